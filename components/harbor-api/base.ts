// What every Harbor dynamic provider shares: the REST client per call, the connection and
// adoption inputs, the property comparison behind `diff`, Pulumi's unknown marker for `check`,
// the "already exists" and adopt-id errors, and the project lookup robots and retention need.
//
// The providers are serialized with their closures into the Pulumi state, and whatever they use
// from here goes with them. So this module (like ./client.ts and ./cron.ts) needs nothing but
// Node built-ins at runtime: no @pulumi/pulumi (the resource classes' helpers are in
// ./resource.ts).
import { HarborClient, HarborConnection } from "./client";

/** Pulumi's wire value for unknown inputs during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const CONNECTION_KEYS = [
    "apiUrl",
    "username",
    "password",
    "maxAttempts",
    "retryBaseDelayMs",
];

export function clientFor(props: HarborConnection): HarborClient {
    return new HarborClient({
        apiUrl: props.apiUrl,
        username: props.username,
        password: props.password,
        maxAttempts: props.maxAttempts,
        retryBaseDelayMs: props.retryBaseDelayMs,
    });
}

export function connectionOf(props: HarborConnection): HarborConnection {
    const out: HarborConnection = {
        apiUrl: props.apiUrl,
        username: props.username,
        password: props.password,
    };
    if (props.maxAttempts !== undefined) {
        out.maxAttempts = props.maxAttempts;
    }
    if (props.retryBaseDelayMs !== undefined) {
        out.retryBaseDelayMs = props.retryBaseDelayMs;
    }
    return out;
}

/** Order-insensitive, undefined-tolerant comparison of two property values. */
function canonical(value: unknown): string {
    if (Array.isArray(value)) {
        return JSON.stringify(value.map(canonical).sort());
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => a.localeCompare(b));
        return JSON.stringify(entries.map(([k, v]) => [k, canonical(v)]));
    }
    return JSON.stringify(value ?? null);
}

export function changedKeys(olds: object, news: object, keys: readonly string[]): string[] {
    const o = olds as Record<string, unknown>;
    const n = news as Record<string, unknown>;
    return keys.filter((key) => canonical(o[key]) !== canonical(n[key]));
}

export function pick<T extends object>(source: T, keys: readonly string[]): Partial<T> {
    const out: Record<string, unknown> = {};
    const src = source as Record<string, unknown>;
    for (const key of keys) {
        if (src[key] !== undefined) {
            out[key] = src[key];
        }
    }
    return out as Partial<T>;
}

export function isKnown(value: unknown): boolean {
    return value !== UNKNOWN;
}

/**
 * Adoption of objects that already exist in Harbor (made by hand, or left over from another
 * stack). Pulumi's `import` resource option does not work with dynamic providers: on import the
 * engine calls `read` without the stored inputs, so the serialized provider (`__provider`) is
 * missing and cannot be rebuilt (pulumi/pulumi#16175). Instead each resource takes `adopt`: when
 * it is set and `create` finds the object already there, `create` brings the existing object to
 * the declared state and returns it as if it had created it.
 */
export interface AdoptInputs {
    /** Adopt the object if it already exists instead of failing; only consulted by `create`. */
    adopt?: boolean;
    /**
     * Harbor's id of the object to adopt (robot id, retention id) as listed in the config; when set
     * and different from what Harbor reports, adoption fails rather than take over another object.
     */
    adoptId?: number;
}

/** Inputs that never cause an update or replacement (they only steer `create`). */
export const ADOPT_KEYS = ["adopt", "adoptId"];

/** Keeps `adopt`/`adoptId` from the previous state so a refresh does not drop them. */
export function adoptionOf(previous: AdoptInputs): AdoptInputs {
    const out: AdoptInputs = {};
    if (previous.adopt !== undefined) {
        out.adopt = previous.adopt;
    }
    if (previous.adoptId !== undefined) {
        out.adoptId = previous.adoptId;
    }
    return out;
}

/**
 * The error for an object that exists when `adopt` is not set. It gives the YAML to add under
 * `platform:harborProjects.imports`, which makes HarborConfig set `adopt` on the resource.
 */
export function alreadyExists(what: string, importsYaml: string[], note?: string): Error {
    const yaml = ["platform:harborProjects:", "  imports:", ...importsYaml.map((l) => `    ${l}`)];
    return new Error(
        `${what} already exists. To adopt it instead of creating it, add it to ` +
            "platform:harborProjects.imports in the stack config (Pulumi.<stack>.yaml; merge it " +
            "into the existing platform:harborProjects block) and run `pulumi up`:\n\n" +
            yaml.map((line) => `  ${line}`).join("\n") +
            (note === undefined ? "" : `\n\n${note}`),
    );
}

/** YAML for a string key or list item: quoted unless it is plainly safe. */
export function yamlKey(value: string): string {
    return /^[a-z0-9][a-z0-9._-]*$/.test(value) ? value : JSON.stringify(value);
}

export function adoptIdMismatch(
    what: string,
    configKey: string,
    declared: number,
    actual: string,
): Error {
    return new Error(
        `Cannot adopt ${what}: platform:harborProjects.imports.${configKey} is ${declared}, but ` +
            `Harbor's id is ${actual}. If that is the one to adopt, set the entry to ${actual} and ` +
            "run `pulumi up` again.",
    );
}

export interface HarborProjectBody {
    project_id: number;
    name: string;
    metadata?: Record<string, string | undefined>;
}

export async function getProjectOrThrow(
    client: HarborClient,
    name: string,
): Promise<HarborProjectBody> {
    const project = await client.getOptional<HarborProjectBody>(
        `/projects/${encodeURIComponent(name)}`,
        { headers: { "X-Is-Resource-Name": "true" } },
    );
    if (project === undefined) {
        throw new Error(
            `Harbor project "${name}" does not exist (GET ${client.url(`/projects/${name}`)} returned 404)`,
        );
    }
    return project;
}
