// Pulumi dynamic providers for Harbor 2.12 (REST API v2.0): projects, project robot accounts,
// the garbage-collection schedule and per-project tag-retention policies.
//
// The provider objects are serialized with their closures into the Pulumi state, so everything
// they reference lives in this file or in ./client.ts and ./cron.ts (Node built-ins only). The
// resource classes at the bottom are the only code that touches @pulumi/pulumi at runtime.
import * as pulumi from "@pulumi/pulumi";
import { HarborClient, HarborConnection, isHarborStatus } from "./client";
import { harborCronProblem } from "./cron";

// ---------------------------------------------------------------------------------------------
// Shared helpers (captured by the providers)
// ---------------------------------------------------------------------------------------------

/** Dynamic resources register as `pulumi-nodejs:dynamic/<module>:<type>`. */
export const HARBOR_TYPE_TOKENS = {
    project: "pulumi-nodejs:dynamic/harbor:Project",
    robot: "pulumi-nodejs:dynamic/harbor:Robot",
    gcSchedule: "pulumi-nodejs:dynamic/harbor:GcSchedule",
    retentionPolicy: "pulumi-nodejs:dynamic/harbor:RetentionPolicy",
} as const;

/** Resource id of the (singleton) GC schedule. */
export const GC_SCHEDULE_ID = "gc-schedule";

/** Pulumi's wire value for unknown inputs during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const CONNECTION_KEYS = ["apiUrl", "username", "password", "maxAttempts", "retryBaseDelayMs"];

export type HarborSeverity = "none" | "low" | "medium" | "high" | "critical";
const SEVERITIES = ["none", "low", "medium", "high", "critical"];

function clientFor(props: HarborConnection): HarborClient {
    return new HarborClient({
        apiUrl: props.apiUrl,
        username: props.username,
        password: props.password,
        maxAttempts: props.maxAttempts,
        retryBaseDelayMs: props.retryBaseDelayMs,
    });
}

function connectionOf(props: HarborConnection): HarborConnection {
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

function changedKeys(olds: object, news: object, keys: readonly string[]): string[] {
    const o = olds as Record<string, unknown>;
    const n = news as Record<string, unknown>;
    return keys.filter((key) => canonical(o[key]) !== canonical(n[key]));
}

function pick<T extends object>(source: T, keys: readonly string[]): Partial<T> {
    const out: Record<string, unknown> = {};
    const src = source as Record<string, unknown>;
    for (const key of keys) {
        if (src[key] !== undefined) {
            out[key] = src[key];
        }
    }
    return out as Partial<T>;
}

function isKnown(value: unknown): boolean {
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
const ADOPT_KEYS = ["adopt", "adoptId"];

/** Keeps `adopt`/`adoptId` from the previous state so a refresh does not drop them. */
function adoptionOf(previous: AdoptInputs): AdoptInputs {
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
function alreadyExists(what: string, importsYaml: string[], note?: string): Error {
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
function yamlKey(value: string): string {
    return /^[a-z0-9][a-z0-9._-]*$/.test(value) ? value : JSON.stringify(value);
}

function adoptIdMismatch(what: string, configKey: string, declared: number, actual: string): Error {
    return new Error(
        `Cannot adopt ${what}: platform:harborProjects.imports.${configKey} is ${declared}, but ` +
            `Harbor's id is ${actual}. If that is the one to adopt, set the entry to ${actual} and ` +
            "run `pulumi up` again.",
    );
}

interface HarborProjectBody {
    project_id: number;
    name: string;
    metadata?: Record<string, string | undefined>;
}

interface HarborQuota {
    id: number;
    hard?: Record<string, number>;
}

async function getProjectOrThrow(client: HarborClient, name: string): Promise<HarborProjectBody> {
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

async function findProjectQuota(
    client: HarborClient,
    projectId: number,
): Promise<HarborQuota | undefined> {
    const quotas = await client.listAll<HarborQuota>("/quotas", {
        reference: "project",
        reference_id: String(projectId),
    });
    return quotas[0];
}

// ---------------------------------------------------------------------------------------------
// Project
// ---------------------------------------------------------------------------------------------

export interface ProjectProviderInputs extends HarborConnection, AdoptInputs {
    name: string;
    public: boolean;
    /** Storage quota in bytes; -1 = unlimited. */
    storageQuotaBytes: number;
    autoScan: boolean;
    /** Prevent images with vulnerabilities at or above `severity` from being pulled. */
    preventVulnerable: boolean;
    severity: HarborSeverity;
    /** Only allow pulling images signed with cosign (`enable_content_trust_cosign`). */
    cosignEnforced: boolean;
}

export interface ProjectProviderOutputs extends ProjectProviderInputs {
    projectId: number;
}

const PROJECT_INPUT_KEYS = [
    ...CONNECTION_KEYS,
    ...ADOPT_KEYS,
    "name",
    "public",
    "storageQuotaBytes",
    "autoScan",
    "preventVulnerable",
    "severity",
    "cosignEnforced",
];
const PROJECT_METADATA_KEYS = ["public", "autoScan", "preventVulnerable", "cosignEnforced"];

function projectMetadata(inputs: ProjectProviderInputs): Record<string, string> {
    return {
        public: String(inputs.public),
        auto_scan: String(inputs.autoScan),
        prevent_vul: String(inputs.preventVulnerable),
        severity: inputs.severity,
        enable_content_trust_cosign: String(inputs.cosignEnforced),
    };
}

/** Property names whose change is applied in place (metadata, quota, connection). */
function projectUpdates(olds: ProjectProviderInputs, news: ProjectProviderInputs): string[] {
    const changes = changedKeys(olds, news, [
        ...PROJECT_METADATA_KEYS,
        "storageQuotaBytes",
        ...CONNECTION_KEYS,
    ]);
    // The severity only matters while vulnerable images are blocked.
    if (
        (olds.preventVulnerable || news.preventVulnerable) &&
        changedKeys(olds, news, ["severity"]).length > 0
    ) {
        changes.push("severity");
    }
    return changes;
}

/** The project as Harbor has it, in provider terms (`previous` supplies connection and severity). */
async function readProjectState(
    client: HarborClient,
    name: string,
    previous: Partial<ProjectProviderOutputs>,
): Promise<ProjectProviderOutputs | undefined> {
    const project = await client.getOptional<HarborProjectBody>(
        `/projects/${encodeURIComponent(name)}`,
        { headers: { "X-Is-Resource-Name": "true" } },
    );
    if (project === undefined) {
        return undefined;
    }
    const quota = await findProjectQuota(client, project.project_id);
    const metadata = project.metadata ?? {};
    const severity = (metadata.severity ?? "low") as HarborSeverity;
    return {
        ...connectionOf(previous as HarborConnection),
        ...adoptionOf(previous),
        name: project.name,
        public: metadata.public === "true",
        storageQuotaBytes: quota?.hard?.storage ?? -1,
        autoScan: metadata.auto_scan === "true",
        preventVulnerable: metadata.prevent_vul === "true",
        // Keep the declared severity while blocking is off, so adoption/refresh stay clean.
        severity:
            metadata.prevent_vul !== "true" && previous.severity !== undefined
                ? previous.severity
                : severity,
        cosignEnforced: metadata.enable_content_trust_cosign === "true",
        projectId: project.project_id,
    };
}

/** Applies in-place `changes` (from projectUpdates) and returns the project id. */
async function applyProjectChanges(
    client: HarborClient,
    changes: string[],
    news: ProjectProviderInputs,
    projectId: number,
): Promise<number> {
    const metadataChanged = changes.some((key) =>
        [...PROJECT_METADATA_KEYS, "severity"].includes(key),
    );
    if (metadataChanged) {
        await client.request("PUT", `/projects/${encodeURIComponent(news.name)}`, {
            headers: { "X-Is-Resource-Name": "true" },
            body: { metadata: projectMetadata(news) },
        });
    }
    if (!changes.includes("storageQuotaBytes")) {
        return projectId;
    }
    const project = await getProjectOrThrow(client, news.name);
    const quota = await findProjectQuota(client, project.project_id);
    if (quota === undefined) {
        throw new Error(
            `Harbor has no storage quota for project "${news.name}" (id ${project.project_id}); ` +
                `is quota_per_project_enable switched off?`,
        );
    }
    await client.request("PUT", `/quotas/${quota.id}`, {
        body: { hard: { storage: news.storageQuotaBytes } },
    });
    return project.project_id;
}

/** Adopts an existing project: updates whatever differs from `inputs` (metadata, quota). */
async function adoptProject(client: HarborClient, inputs: ProjectProviderInputs) {
    const current = await readProjectState(client, inputs.name, inputs);
    if (current === undefined) {
        throw new Error(
            `Harbor reported project "${inputs.name}" as existing, but GET ` +
                `${client.url(`/projects/${inputs.name}`)} returned 404`,
        );
    }
    const changes = projectUpdates(current, inputs);
    const projectId = await applyProjectChanges(client, changes, inputs, current.projectId);
    return { id: current.name, outs: { ...inputs, projectId } };
}

export const projectProvider: pulumi.dynamic.ResourceProvider<
    ProjectProviderInputs,
    ProjectProviderOutputs
> = {
    check(_olds: ProjectProviderInputs, news: ProjectProviderInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (isKnown(news.name) && !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(news.name)) {
            failures.push({
                property: "name",
                reason: `"${news.name}" is not a valid Harbor project name (lowercase letters, digits and single ".", "_" or "-" separators)`,
            });
        }
        if (isKnown(news.severity) && !SEVERITIES.includes(news.severity)) {
            failures.push({
                property: "severity",
                reason: `"${news.severity}" is not one of ${SEVERITIES.join(", ")}`,
            });
        }
        if (
            isKnown(news.storageQuotaBytes) &&
            (!Number.isInteger(news.storageQuotaBytes) ||
                (news.storageQuotaBytes < 1 && news.storageQuotaBytes !== -1))
        ) {
            failures.push({
                property: "storageQuotaBytes",
                reason: "must be a positive whole number of bytes or -1 (unlimited)",
            });
        }
        return Promise.resolve({ inputs: news, failures });
    },

    async create(inputs: ProjectProviderInputs) {
        const client = clientFor(inputs);
        let location: string | undefined;
        try {
            const response = await client.request("POST", "/projects", {
                body: {
                    project_name: inputs.name,
                    public: inputs.public,
                    storage_limit: inputs.storageQuotaBytes,
                    metadata: projectMetadata(inputs),
                },
            });
            location = HarborClient.idFromLocation(response.headers);
        } catch (err) {
            if (isHarborStatus(err, 409)) {
                if (inputs.adopt === true) {
                    return adoptProject(client, inputs);
                }
                throw alreadyExists(`Harbor project "${inputs.name}"`, [
                    "projects:",
                    `  - ${yamlKey(inputs.name)}`,
                ]);
            }
            throw err;
        }
        let projectId = Number(location);
        if (!Number.isInteger(projectId)) {
            projectId = (await getProjectOrThrow(client, inputs.name)).project_id;
        }
        return { id: inputs.name, outs: { ...inputs, projectId } };
    },

    async read(id: string, props?: ProjectProviderOutputs) {
        const previous = (props ?? {}) as Partial<ProjectProviderOutputs>;
        const state = await readProjectState(clientFor(previous as HarborConnection), id, previous);
        if (state === undefined) {
            return { id: "", props: {} as ProjectProviderOutputs };
        }
        return {
            id: state.name,
            props: state,
            inputs: pick(state, PROJECT_INPUT_KEYS) as ProjectProviderOutputs,
        };
    },

    diff(_id: string, olds: ProjectProviderOutputs, news: ProjectProviderInputs) {
        const replaces = changedKeys(olds, news, ["name"]);
        const updates = projectUpdates(olds, news);
        return Promise.resolve({
            changes: replaces.length + updates.length > 0,
            replaces,
            // A new name never collides with the old project, so create-before-delete is safe.
            deleteBeforeReplace: false,
        });
    },

    async update(_id: string, olds: ProjectProviderOutputs, news: ProjectProviderInputs) {
        const client = clientFor(news);
        const projectId = await applyProjectChanges(
            client,
            projectUpdates(olds, news),
            news,
            olds.projectId,
        );
        return { outs: { ...news, projectId } };
    },

    async delete(id: string, props: ProjectProviderOutputs) {
        const client = clientFor(props);
        try {
            await client.deleteIfExists(`/projects/${encodeURIComponent(id)}`, {
                headers: { "X-Is-Resource-Name": "true" },
            });
        } catch (err) {
            if (isHarborStatus(err, 412)) {
                throw new Error(
                    `Harbor refused to delete project "${id}" because it is not empty ` +
                        `(repositories, helm charts or other resources remain): ${err.message}`,
                );
            }
            throw err;
        }
    },
};

// ---------------------------------------------------------------------------------------------
// Robot account (project level, robot v2 API)
// ---------------------------------------------------------------------------------------------

export interface RobotAccess {
    resource: string;
    action: string;
}

export interface RobotProviderInputs extends HarborConnection, AdoptInputs {
    /** Project (name) the robot belongs to. */
    project: string;
    /** Short robot name; Harbor names it `robot$<project>+<name>`. */
    name: string;
    description: string;
    /** Lifetime in days; -1 = never expires. */
    durationDays: number;
    access: RobotAccess[];
    disabled: boolean;
    /** Any change of this value refreshes the robot's secret in place. */
    rotation: string;
}

export interface RobotProviderOutputs extends RobotProviderInputs {
    robotId: number;
    /** Robot name as Harbor reports it, e.g. `robot$synergyflow+synergyflow-puller`. */
    fullName: string;
    secret: string;
    /** Expiry as Unix seconds; -1 = never. */
    expiresAt: number;
}

interface HarborRobotBody {
    id: number;
    name: string;
    description?: string;
    secret?: string;
    level?: string;
    duration?: number | null;
    disable?: boolean;
    expires_at?: number;
    permissions?: { kind?: string; namespace?: string; access?: RobotAccess[] }[];
}

const ROBOT_INPUT_KEYS = [
    ...CONNECTION_KEYS,
    ...ADOPT_KEYS,
    "project",
    "name",
    "description",
    "durationDays",
    "access",
    "disabled",
    "rotation",
];
const ROBOT_EDITABLE_KEYS = ["description", "durationDays", "access", "disabled"];

function robotPermissions(inputs: RobotProviderInputs): HarborRobotBody["permissions"] {
    return [
        {
            kind: "project",
            namespace: inputs.project,
            access: inputs.access.map((a) => ({ resource: a.resource, action: a.action })),
        },
    ];
}

function rotationOf(value: unknown): string {
    return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

function assertRobotId(id: string): void {
    if (!/^[0-9]+$/.test(id)) {
        throw new Error(
            `Harbor robot id must be the numeric robot id (see GET /robots), got "${id}"`,
        );
    }
}

/** Finds a project robot by short name, following `/robots` pagination. */
export async function findProjectRobot(
    client: HarborClient,
    project: string,
    name: string,
): Promise<HarborRobotBody | undefined> {
    const projectBody = await getProjectOrThrow(client, project);
    const suffix = `${project}+${name}`;
    const matches = (robot: HarborRobotBody): boolean =>
        robot.name.endsWith(suffix) && !robot.name.slice(0, -suffix.length).includes("+");
    const robots = await client.listAll<HarborRobotBody>(
        "/robots",
        { q: `Level=project,ProjectID=${projectBody.project_id}` },
        matches,
    );
    return robots.find(matches);
}

/** The robot as Harbor has it, in provider terms (`previous` supplies connection and secret). */
function robotState(
    robot: HarborRobotBody,
    previous: Partial<RobotProviderOutputs>,
): RobotProviderOutputs {
    const permission = (robot.permissions ?? []).find((p) => p.kind === "project");
    const project = permission?.namespace ?? previous.project ?? "";
    const marker = `${project}+`;
    const at = robot.name.indexOf(marker);
    const name =
        at >= 0 ? robot.name.slice(at + marker.length) : (robot.name.split("+").pop() ?? "");
    return {
        ...connectionOf(previous as HarborConnection),
        ...adoptionOf(previous),
        project,
        name,
        description: robot.description ?? "",
        durationDays: robot.duration ?? -1,
        access: (permission?.access ?? []).map((a) => ({
            resource: a.resource,
            action: a.action,
        })),
        disabled: robot.disable ?? false,
        rotation: rotationOf(previous.rotation),
        robotId: robot.id,
        fullName: robot.name,
        // Harbor never returns a secret after creation; keep the one we have (if any).
        secret: previous.secret ?? "",
        expiresAt: robot.expires_at ?? -1,
    };
}

/** PUTs description, duration, disabled and permissions (Harbor needs the full robot body). */
async function putRobot(
    client: HarborClient,
    current: HarborRobotBody,
    news: RobotProviderInputs,
): Promise<void> {
    const body: HarborRobotBody = {
        ...current,
        description: news.description,
        duration: news.durationDays,
        disable: news.disabled,
        permissions: robotPermissions(news),
    };
    delete body.secret;
    await client.request("PUT", `/robots/${current.id}`, { body });
}

/** Asks Harbor for a new random secret (PATCH with an empty secret) and returns it. */
async function refreshRobotSecret(client: HarborClient, id: number | string): Promise<string> {
    const response = await client.request<{ secret?: string }>("PATCH", `/robots/${id}`, {
        body: {},
    });
    const fresh = response.body.secret;
    if (typeof fresh !== "string" || fresh === "") {
        throw new Error(`Harbor refreshed robot ${id} but returned no secret`);
    }
    return fresh;
}

/**
 * Adopts an existing project robot: checks the id from the config (if given), updates whatever
 * differs from `inputs` and refreshes the secret. Harbor only ever reveals a robot's secret when
 * it creates or refreshes it, so the old secret is unknowable: adoption rotates it, and whatever
 * used the old secret must switch to the new one (a secret output of this resource).
 */
async function adoptRobot(client: HarborClient, inputs: RobotProviderInputs) {
    const found = await findProjectRobot(client, inputs.project, inputs.name);
    if (found === undefined) {
        throw new Error(
            `Harbor reported robot "${inputs.name}" in project "${inputs.project}" as existing, ` +
                `but it is not among the project's robots (GET ${client.url("/robots")})`,
        );
    }
    if (inputs.adoptId !== undefined && inputs.adoptId !== found.id) {
        throw adoptIdMismatch(
            `Harbor robot "${found.name}"`,
            `robots["${inputs.project}/${inputs.name}"]`,
            inputs.adoptId,
            String(found.id),
        );
    }
    const current = await client.get<HarborRobotBody>(`/robots/${found.id}`);
    if (changedKeys(robotState(current, inputs), inputs, ROBOT_EDITABLE_KEYS).length > 0) {
        await putRobot(client, current, inputs);
    }
    const secret = await refreshRobotSecret(client, found.id);
    const robot = await client.get<HarborRobotBody>(`/robots/${found.id}`);
    return {
        id: String(robot.id),
        outs: {
            ...inputs,
            rotation: rotationOf(inputs.rotation),
            robotId: robot.id,
            fullName: robot.name,
            secret,
            expiresAt: robot.expires_at ?? -1,
        },
    };
}

export const robotProvider: pulumi.dynamic.ResourceProvider<
    RobotProviderInputs,
    RobotProviderOutputs
> = {
    check(_olds: RobotProviderInputs, news: RobotProviderInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        const days = news.durationDays;
        if (isKnown(days) && (!Number.isInteger(days) || days === 0 || days < -1)) {
            failures.push({
                property: "durationDays",
                reason: `must be a positive number of days or -1 (never expires), got ${String(days)}`,
            });
        }
        if (isKnown(news.access) && Array.isArray(news.access) && news.access.length === 0) {
            failures.push({ property: "access", reason: "at least one permission is required" });
        }
        return Promise.resolve({
            inputs: { ...news, rotation: rotationOf(news.rotation) },
            failures,
        });
    },

    async create(inputs: RobotProviderInputs) {
        const client = clientFor(inputs);
        let created: HarborRobotBody;
        try {
            const response = await client.request<HarborRobotBody>("POST", "/robots", {
                body: {
                    name: inputs.name,
                    description: inputs.description,
                    duration: inputs.durationDays,
                    level: "project",
                    disable: inputs.disabled,
                    permissions: robotPermissions(inputs),
                },
            });
            created = response.body;
        } catch (err) {
            if (isHarborStatus(err, 409)) {
                if (inputs.adopt === true) {
                    return adoptRobot(client, inputs);
                }
                const existing = await findProjectRobot(client, inputs.project, inputs.name);
                const id = existing ? String(existing.id) : "<robot id from GET /robots>";
                throw alreadyExists(
                    `Harbor robot "${existing?.name ?? inputs.name}" in project "${inputs.project}"`,
                    ["robots:", `  ${JSON.stringify(`${inputs.project}/${inputs.name}`)}: ${id}`],
                    "Harbor never reveals an existing robot's secret, so adopting the robot " +
                        "refreshes it: whatever uses the old secret must switch to the new one.",
                );
            }
            if (isHarborStatus(err, 404)) {
                throw new Error(
                    `Cannot create Harbor robot "${inputs.name}": project "${inputs.project}" ` +
                        `was not found (${err.message})`,
                );
            }
            throw err;
        }
        if (typeof created.secret !== "string" || created.secret === "") {
            throw new Error(`Harbor created robot ${created.name} but returned no secret`);
        }
        const robot = await client.getOptional<HarborRobotBody>(`/robots/${created.id}`);
        return {
            id: String(created.id),
            outs: {
                ...inputs,
                rotation: rotationOf(inputs.rotation),
                robotId: created.id,
                fullName: created.name,
                secret: created.secret,
                expiresAt: robot?.expires_at ?? created.expires_at ?? -1,
            },
        };
    },

    async read(id: string, props?: RobotProviderOutputs) {
        assertRobotId(id);
        const previous = (props ?? {}) as Partial<RobotProviderOutputs>;
        const client = clientFor(previous as HarborConnection);
        const robot = await client.getOptional<HarborRobotBody>(`/robots/${id}`);
        if (robot === undefined) {
            return { id: "", props: {} as RobotProviderOutputs };
        }
        const state = robotState(robot, previous);
        return {
            id: String(robot.id),
            props: state,
            inputs: pick(state, ROBOT_INPUT_KEYS) as RobotProviderOutputs,
        };
    },

    diff(_id: string, olds: RobotProviderOutputs, news: RobotProviderInputs) {
        const replaces = changedKeys(olds, news, ["project", "name"]);
        const updates = changedKeys(olds, news, [...ROBOT_EDITABLE_KEYS, ...CONNECTION_KEYS]);
        if (rotationOf(olds.rotation) !== rotationOf(news.rotation)) {
            updates.push("rotation");
        }
        return Promise.resolve({
            changes: replaces.length + updates.length > 0,
            replaces,
            // The replacement has a different Harbor name (robot$<project>+<name>).
            deleteBeforeReplace: false,
        });
    },

    async update(id: string, olds: RobotProviderOutputs, news: RobotProviderInputs) {
        const client = clientFor(news);
        if (changedKeys(olds, news, ROBOT_EDITABLE_KEYS).length > 0) {
            await putRobot(client, await client.get<HarborRobotBody>(`/robots/${id}`), news);
        }
        let secret = olds.secret;
        if (rotationOf(olds.rotation) !== rotationOf(news.rotation)) {
            secret = await refreshRobotSecret(client, id);
        }
        const robot = await client.get<HarborRobotBody>(`/robots/${id}`);
        return {
            outs: {
                ...news,
                rotation: rotationOf(news.rotation),
                robotId: robot.id,
                fullName: robot.name,
                secret,
                expiresAt: robot.expires_at ?? -1,
            },
        };
    },

    async delete(id: string, props: RobotProviderOutputs) {
        await clientFor(props).deleteIfExists(`/robots/${id}`);
    },
};

// ---------------------------------------------------------------------------------------------
// Garbage-collection schedule (singleton)
// ---------------------------------------------------------------------------------------------

export interface GcScheduleProviderInputs extends HarborConnection, AdoptInputs {
    /** 6-field Harbor cron, e.g. "0 0 2 * * *" (daily 02:00 UTC). */
    schedule: string;
    deleteUntagged: boolean;
    workers: number;
}

export type GcScheduleProviderOutputs = GcScheduleProviderInputs;

const GC_EDITABLE_KEYS = ["schedule", "deleteUntagged", "workers"];
const GC_INPUT_KEYS = [...CONNECTION_KEYS, ...ADOPT_KEYS, ...GC_EDITABLE_KEYS];

interface HarborGcHistory {
    schedule?: { type?: string; cron?: string } | null;
    job_parameters?: string;
}

async function readGcSchedule(
    client: HarborClient,
): Promise<{ cron: string; deleteUntagged: boolean; workers: number } | undefined> {
    const body = await client.get<HarborGcHistory | null>("/system/gc/schedule");
    const schedule = body?.schedule;
    if (!schedule?.type || schedule.type === "None" || schedule.type === "Manual") {
        return undefined;
    }
    let params: Record<string, unknown> = {};
    try {
        params = JSON.parse(body?.job_parameters ?? "{}") as Record<string, unknown>;
    } catch {
        params = {};
    }
    return {
        cron: schedule.cron ?? "",
        deleteUntagged: params.delete_untagged === true,
        workers: typeof params.workers === "number" ? params.workers : 1,
    };
}

function gcScheduleBody(inputs: GcScheduleProviderInputs): unknown {
    return {
        schedule: { type: "Custom", cron: inputs.schedule },
        parameters: { delete_untagged: inputs.deleteUntagged, workers: inputs.workers },
    };
}

function gcAlreadyScheduled(cron: string): Error {
    return alreadyExists(`A Harbor garbage-collection schedule ("${cron}")`, ["gcSchedule: true"]);
}

/** Adopts the existing GC schedule: PUTs the declared one unless it is already in place. */
async function adoptGcSchedule(
    client: HarborClient,
    inputs: GcScheduleProviderInputs,
    existing: { cron: string; deleteUntagged: boolean; workers: number } | undefined,
) {
    const current = {
        schedule: existing?.cron,
        deleteUntagged: existing?.deleteUntagged,
        workers: existing?.workers,
    };
    if (existing === undefined || changedKeys(current, inputs, GC_EDITABLE_KEYS).length > 0) {
        await client.request("PUT", "/system/gc/schedule", { body: gcScheduleBody(inputs) });
    }
    return { id: GC_SCHEDULE_ID, outs: { ...inputs } };
}

export const gcScheduleProvider: pulumi.dynamic.ResourceProvider<
    GcScheduleProviderInputs,
    GcScheduleProviderOutputs
> = {
    check(_olds: GcScheduleProviderInputs, news: GcScheduleProviderInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        const problem = isKnown(news.schedule) ? harborCronProblem(news.schedule) : undefined;
        if (problem !== undefined) {
            failures.push({ property: "schedule", reason: problem });
        }
        if (
            isKnown(news.workers) &&
            !(Number.isInteger(news.workers) && news.workers >= 1 && news.workers <= 5)
        ) {
            failures.push({ property: "workers", reason: "must be a whole number from 1 to 5" });
        }
        return Promise.resolve({ inputs: news, failures });
    },

    async create(inputs: GcScheduleProviderInputs) {
        const client = clientFor(inputs);
        const existing = await readGcSchedule(client);
        if (existing !== undefined) {
            if (inputs.adopt === true) {
                return adoptGcSchedule(client, inputs, existing);
            }
            throw gcAlreadyScheduled(existing.cron);
        }
        // Harbor 2.12.4 handler/gc.go CreateGCSchedule overwrites any schedule (kick →
        // updateSchedule deletes, then creates), so the check above is what keeps a hand-made
        // schedule from being replaced without `adopt`.
        await client.request("POST", "/system/gc/schedule", { body: gcScheduleBody(inputs) });
        return { id: GC_SCHEDULE_ID, outs: { ...inputs } };
    },

    async read(id: string, props?: GcScheduleProviderOutputs) {
        if (id !== GC_SCHEDULE_ID) {
            throw new Error(`The Harbor GC schedule's id is "${GC_SCHEDULE_ID}", got "${id}"`);
        }
        const previous = (props ?? {}) as Partial<GcScheduleProviderOutputs>;
        const current = await readGcSchedule(clientFor(previous as HarborConnection));
        if (current === undefined) {
            return { id: "", props: {} as GcScheduleProviderOutputs };
        }
        const state: GcScheduleProviderOutputs = {
            ...connectionOf(previous as HarborConnection),
            ...adoptionOf(previous),
            schedule: current.cron,
            deleteUntagged: current.deleteUntagged,
            workers: current.workers,
        };
        return {
            id: GC_SCHEDULE_ID,
            props: state,
            inputs: pick(state, GC_INPUT_KEYS) as GcScheduleProviderOutputs,
        };
    },

    diff(_id: string, olds: GcScheduleProviderOutputs, news: GcScheduleProviderInputs) {
        const updates = changedKeys(olds, news, [...GC_EDITABLE_KEYS, ...CONNECTION_KEYS]);
        return Promise.resolve({ changes: updates.length > 0, replaces: [] });
    },

    async update(_id: string, _olds: GcScheduleProviderOutputs, news: GcScheduleProviderInputs) {
        await clientFor(news).request("PUT", "/system/gc/schedule", { body: gcScheduleBody(news) });
        return { outs: { ...news } };
    },

    async delete(_id: string, props: GcScheduleProviderOutputs) {
        await clientFor(props).request("PUT", "/system/gc/schedule", {
            body: { schedule: { type: "None", cron: "" } },
        });
    },
};

// ---------------------------------------------------------------------------------------------
// Tag retention policy (one per project)
// ---------------------------------------------------------------------------------------------

export interface RetentionProviderInputs extends HarborConnection, AdoptInputs {
    /** Project (name) the policy belongs to. */
    project: string;
    /** Keep the N most recently pushed artifacts per repository. */
    keepLatest: number;
    /** 6-field Harbor cron for the retention run. */
    schedule: string;
    /** doublestar pattern of tags the rule applies to (default "**"). */
    tagPattern: string;
    /** doublestar pattern of repositories the rule applies to (default "**"). */
    repositoryPattern: string;
    /** Whether untagged artifacts count as matching the tag selector. */
    includeUntagged: boolean;
}

export interface RetentionProviderOutputs extends RetentionProviderInputs {
    retentionId: number;
    projectId: number;
}

const RETENTION_INPUT_KEYS = [
    ...CONNECTION_KEYS,
    ...ADOPT_KEYS,
    "project",
    "keepLatest",
    "schedule",
    "tagPattern",
    "repositoryPattern",
    "includeUntagged",
];
const RETENTION_EDITABLE_KEYS = [
    "keepLatest",
    "schedule",
    "tagPattern",
    "repositoryPattern",
    "includeUntagged",
];

interface HarborRetentionSelector {
    kind?: string;
    decoration?: string;
    pattern?: string;
    extras?: string;
}

interface HarborRetentionPolicyBody {
    id?: number;
    algorithm?: string;
    rules?: {
        disabled?: boolean;
        action?: string;
        template?: string;
        params?: Record<string, unknown>;
        tag_selectors?: HarborRetentionSelector[];
        scope_selectors?: Record<string, HarborRetentionSelector[]>;
    }[];
    trigger?: { kind?: string; settings?: { cron?: string }; references?: unknown };
    scope?: { level?: string; ref?: number };
}

function retentionBody(
    inputs: RetentionProviderInputs,
    projectId: number,
    id?: number,
): HarborRetentionPolicyBody {
    return {
        ...(id === undefined ? {} : { id }),
        algorithm: "or",
        rules: [
            {
                disabled: false,
                action: "retain",
                template: "latestPushedK",
                params: { latestPushedK: inputs.keepLatest },
                tag_selectors: [
                    {
                        kind: "doublestar",
                        decoration: "matches",
                        pattern: inputs.tagPattern,
                        extras: JSON.stringify({ untagged: inputs.includeUntagged }),
                    },
                ],
                scope_selectors: {
                    repository: [
                        {
                            kind: "doublestar",
                            decoration: "repoMatches",
                            pattern: inputs.repositoryPattern,
                        },
                    ],
                },
            },
        ],
        trigger: { kind: "Schedule", settings: { cron: inputs.schedule }, references: {} },
        scope: { level: "project", ref: projectId },
    };
}

function assertRetentionId(id: string): void {
    if (!/^[0-9]+$/.test(id)) {
        throw new Error(
            `Harbor retention policy id must be numeric (project metadata retention_id), got "${id}"`,
        );
    }
}

/** The policy as Harbor has it, in provider terms (`previous` supplies the connection). */
function retentionState(
    id: string,
    policy: HarborRetentionPolicyBody,
    project: HarborProjectBody,
    previous: Partial<RetentionProviderOutputs>,
): RetentionProviderOutputs {
    const rule = (policy.rules ?? []).find((r) => r.template === "latestPushedK");
    const tagSelector = rule?.tag_selectors?.[0];
    let untagged = false;
    try {
        untagged =
            (JSON.parse(tagSelector?.extras ?? "{}") as { untagged?: unknown }).untagged === true;
    } catch {
        untagged = false;
    }
    return {
        ...connectionOf(previous as HarborConnection),
        ...adoptionOf(previous),
        project: project.name,
        keepLatest: Number(rule?.params?.latestPushedK ?? 0),
        schedule: policy.trigger?.settings?.cron ?? "",
        tagPattern: tagSelector?.pattern ?? "**",
        repositoryPattern: rule?.scope_selectors?.repository?.[0]?.pattern ?? "**",
        includeUntagged: untagged,
        retentionId: Number(id),
        projectId: project.project_id,
    };
}

/**
 * Whether Harbor has retention policy `id`. Harbor 2.12.4 cannot say so on GET /retentions/{id}:
 * src/pkg/retention/manager.go GetPolicy turns a missing row into a plain error, which
 * src/server/v2.0/handler/retention.go GetRetention sends as a 500 (retried, then a failure).
 * ListRetentionExecutions and DeleteRetention wrap the same error as a 400 "bad request: no such
 * Retention policy with id N", which is what this asks for.
 */
async function retentionExists(client: HarborClient, id: string): Promise<boolean> {
    try {
        await client.request("GET", `/retentions/${id}/executions`, {
            query: { page: 1, page_size: 1 },
        });
        return true;
    } catch (err) {
        if (isRetentionMissing(err)) {
            return false;
        }
        throw err;
    }
}

/** Harbor 2.12.4's 400 for a retention policy that does not exist (see retentionExists). */
function isRetentionMissing(err: unknown): boolean {
    return isHarborStatus(err, 400) && /no such Retention policy/.test(err.harborMessage ?? "");
}

/** GET /retentions/{id}, or undefined when Harbor has no such policy. */
async function getRetentionOptional(
    client: HarborClient,
    id: string,
): Promise<HarborRetentionPolicyBody | undefined> {
    if (!(await retentionExists(client, id))) {
        return undefined;
    }
    return client.get<HarborRetentionPolicyBody>(`/retentions/${id}`);
}

/**
 * Removes a project's `retention_id` metadata if it still names `id`. Harbor 2.12.4's
 * DeleteRetention leaves it behind (cleaned up only from v2.14.0, goharbor/harbor#22174), and
 * CreateRetention refuses any project that has one, so without this no new policy could be made.
 */
async function clearRetentionId(
    client: HarborClient,
    projectId: number,
    id: string,
): Promise<void> {
    const headers = { "X-Is-Resource-Name": "false" };
    const project = await client.getOptional<HarborProjectBody>(`/projects/${projectId}`, {
        headers,
    });
    if (project?.metadata?.retention_id !== id) {
        return;
    }
    await client.deleteIfExists(`/projects/${projectId}/metadatas/retention_id`, { headers });
}

/** Adopts a project's existing policy: checks the id from the config and PUTs what differs. */
async function adoptRetention(
    client: HarborClient,
    inputs: RetentionProviderInputs,
    project: HarborProjectBody,
    id: string,
) {
    if (inputs.adoptId !== undefined && String(inputs.adoptId) !== id) {
        throw adoptIdMismatch(
            `the tag-retention policy of Harbor project "${inputs.project}"`,
            `retentions["${inputs.project}"]`,
            inputs.adoptId,
            id,
        );
    }
    const policy = await client.get<HarborRetentionPolicyBody>(`/retentions/${id}`);
    const current = retentionState(id, policy, project, inputs);
    if (changedKeys(current, inputs, RETENTION_EDITABLE_KEYS).length > 0) {
        await client.request("PUT", `/retentions/${id}`, {
            body: retentionBody(inputs, project.project_id, Number(id)),
        });
    }
    return {
        id,
        outs: { ...inputs, retentionId: Number(id), projectId: project.project_id },
    };
}

export const retentionPolicyProvider: pulumi.dynamic.ResourceProvider<
    RetentionProviderInputs,
    RetentionProviderOutputs
> = {
    check(_olds: RetentionProviderInputs, news: RetentionProviderInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        const problem = isKnown(news.schedule) ? harborCronProblem(news.schedule) : undefined;
        if (problem !== undefined) {
            failures.push({ property: "schedule", reason: problem });
        }
        if (
            isKnown(news.keepLatest) &&
            !(Number.isInteger(news.keepLatest) && news.keepLatest >= 1)
        ) {
            failures.push({ property: "keepLatest", reason: "must be a whole number >= 1" });
        }
        return Promise.resolve({ inputs: news, failures });
    },

    async create(inputs: RetentionProviderInputs) {
        const client = clientFor(inputs);
        const project = await getProjectOrThrow(client, inputs.project);
        let existing = project.metadata?.retention_id;
        if (existing) {
            assertRetentionId(existing);
            if (!(await retentionExists(client, existing))) {
                // Stale: the policy was deleted on a Harbor that keeps the metadata (< 2.14).
                await clearRetentionId(client, project.project_id, existing);
                existing = undefined;
            }
        }
        if (existing) {
            if (inputs.adopt === true) {
                return adoptRetention(client, inputs, project, existing);
            }
            throw alreadyExists(
                `A tag-retention policy (id ${existing}) for Harbor project "${inputs.project}"`,
                ["retentions:", `  ${yamlKey(inputs.project)}: ${existing}`],
            );
        }
        const response = await client.request("POST", "/retentions", {
            body: retentionBody(inputs, project.project_id),
        });
        let id = HarborClient.idFromLocation(response.headers);
        if (id === undefined || !/^[0-9]+$/.test(id)) {
            id = (await getProjectOrThrow(client, inputs.project)).metadata?.retention_id;
        }
        if (id === undefined) {
            throw new Error(
                `Harbor created a retention policy for "${inputs.project}" but reported no id`,
            );
        }
        return {
            id,
            outs: { ...inputs, retentionId: Number(id), projectId: project.project_id },
        };
    },

    async read(id: string, props?: RetentionProviderOutputs) {
        assertRetentionId(id);
        const previous = (props ?? {}) as Partial<RetentionProviderOutputs>;
        const client = clientFor(previous as HarborConnection);
        const policy = await getRetentionOptional(client, id);
        const projectId = policy?.scope?.ref;
        const project =
            projectId === undefined
                ? undefined
                : await client.getOptional<HarborProjectBody>(`/projects/${projectId}`, {
                      headers: { "X-Is-Resource-Name": "false" },
                  });
        if (policy === undefined || project === undefined) {
            return { id: "", props: {} as RetentionProviderOutputs };
        }
        const state = retentionState(id, policy, project, previous);
        return {
            id,
            props: state,
            inputs: pick(state, RETENTION_INPUT_KEYS) as RetentionProviderOutputs,
        };
    },

    diff(_id: string, olds: RetentionProviderOutputs, news: RetentionProviderInputs) {
        const replaces = changedKeys(olds, news, ["project"]);
        const updates = changedKeys(olds, news, [...RETENTION_EDITABLE_KEYS, ...CONNECTION_KEYS]);
        return Promise.resolve({
            changes: replaces.length + updates.length > 0,
            replaces,
            deleteBeforeReplace: false,
        });
    },

    async update(id: string, olds: RetentionProviderOutputs, news: RetentionProviderInputs) {
        const client = clientFor(news);
        if (changedKeys(olds, news, RETENTION_EDITABLE_KEYS).length > 0) {
            await client.request("PUT", `/retentions/${id}`, {
                body: retentionBody(news, olds.projectId, Number(id)),
            });
        }
        return { outs: { ...news, retentionId: Number(id), projectId: olds.projectId } };
    },

    async delete(id: string, props: RetentionProviderOutputs) {
        const client = clientFor(props);
        try {
            await client.request("DELETE", `/retentions/${id}`);
        } catch (err) {
            // Already gone: 2.12.4 answers 400 "no such Retention policy", not 404.
            if (!isRetentionMissing(err) && !isHarborStatus(err, 404)) {
                throw err;
            }
        }
        if (typeof props.projectId === "number") {
            await clearRetentionId(client, props.projectId, id);
        }
    },
};

// ---------------------------------------------------------------------------------------------
// Resource classes
// ---------------------------------------------------------------------------------------------

/** Connection inputs shared by every Harbor resource. */
export interface HarborConnectionArgs {
    /** e.g. https://harbor.monosense.io/api/v2.0 */
    apiUrl: pulumi.Input<string>;
    username: pulumi.Input<string>;
    /** Stored as a secret in the state. */
    password: pulumi.Input<string>;
    /** Attempts for 5xx/connection errors (default 4). */
    maxAttempts?: pulumi.Input<number>;
    /** First retry delay in ms, doubled per retry (default 200). */
    retryBaseDelayMs?: pulumi.Input<number>;
    /**
     * Adopt the object if it already exists in Harbor instead of failing with "already exists"
     * (default false). Only consulted on create; changing it never updates or replaces anything.
     * This replaces Pulumi's `import` option, which dynamic providers cannot support.
     */
    adopt?: pulumi.Input<boolean>;
}

function connectionInputs(args: HarborConnectionArgs): Record<string, unknown> {
    return {
        apiUrl: args.apiUrl,
        username: args.username,
        password: pulumi.secret(args.password),
        maxAttempts: args.maxAttempts,
        retryBaseDelayMs: args.retryBaseDelayMs,
        adopt: args.adopt ?? false,
    };
}

/** Outputs of every Harbor resource the engine stores as secrets (additionalSecretOutputs). */
export const HARBOR_SECRET_OUTPUTS = ["password"] as const;
/** A robot's secret outputs: its secret and the admin password. */
export const ROBOT_SECRET_OUTPUTS = ["secret", "password"] as const;

function withSecretOutputs(
    opts: pulumi.CustomResourceOptions | undefined,
    secrets: readonly string[],
): pulumi.CustomResourceOptions {
    return {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secrets],
    };
}

function assertKnownCron(value: pulumi.Input<string>, what: string): void {
    if (typeof value === "string") {
        const problem = harborCronProblem(value);
        if (problem !== undefined) {
            throw new Error(`${what}: ${problem}`);
        }
    }
}

export interface HarborProjectArgs extends HarborConnectionArgs {
    name: pulumi.Input<string>;
    /** Default false (private). */
    public?: pulumi.Input<boolean>;
    /** Storage quota in bytes; -1 (default) = unlimited. */
    storageQuotaBytes?: pulumi.Input<number>;
    /** Scan images on push (default true). */
    autoScan?: pulumi.Input<boolean>;
    /** Block pulling images with vulnerabilities at or above `severity` (default false). */
    preventVulnerable?: pulumi.Input<boolean>;
    /** Default "high". */
    severity?: pulumi.Input<HarborSeverity>;
    /** Only allow cosign-signed images to be pulled (default false). */
    cosignEnforced?: pulumi.Input<boolean>;
}

/** A Harbor project; its id is the project name. `adopt` takes over an existing project. */
export class HarborProject extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly public: pulumi.Output<boolean>;
    declare readonly storageQuotaBytes: pulumi.Output<number>;
    declare readonly autoScan: pulumi.Output<boolean>;
    declare readonly preventVulnerable: pulumi.Output<boolean>;
    declare readonly severity: pulumi.Output<HarborSeverity>;
    declare readonly cosignEnforced: pulumi.Output<boolean>;
    declare readonly projectId: pulumi.Output<number>;

    constructor(name: string, args: HarborProjectArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            projectProvider,
            name,
            {
                ...connectionInputs(args),
                name: args.name,
                public: args.public ?? false,
                storageQuotaBytes: args.storageQuotaBytes ?? -1,
                autoScan: args.autoScan ?? true,
                preventVulnerable: args.preventVulnerable ?? false,
                severity: args.severity ?? "high",
                cosignEnforced: args.cosignEnforced ?? false,
                projectId: undefined,
            },
            withSecretOutputs(opts, HARBOR_SECRET_OUTPUTS),
            "harbor",
            "Project",
        );
    }
}

export interface HarborRobotArgs extends HarborConnectionArgs {
    project: pulumi.Input<string>;
    /** Short name; Harbor reports it as `robot$<project>+<name>`. */
    name: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    /** Days until expiry; -1 (default) = never. */
    durationDays?: pulumi.Input<number>;
    /** e.g. [{ resource: "repository", action: "pull" }] */
    access: pulumi.Input<pulumi.Input<RobotAccess>[]>;
    disabled?: pulumi.Input<boolean>;
    /** Change this value (e.g. a date) to rotate the secret in place. */
    rotation?: pulumi.Input<string | number>;
    /** With `adopt`: the robot id expected; adoption fails if Harbor's robot has another. */
    adoptId?: pulumi.Input<number>;
}

/**
 * A project-level Harbor robot account; its id is the numeric Harbor robot id. `adopt` takes over
 * an existing robot and refreshes its secret (Harbor never reveals an existing one).
 */
export class HarborRobot extends pulumi.dynamic.Resource {
    declare readonly project: pulumi.Output<string>;
    declare readonly name: pulumi.Output<string>;
    declare readonly robotId: pulumi.Output<number>;
    /** e.g. robot$synergyflow+synergyflow-puller */
    declare readonly fullName: pulumi.Output<string>;
    /** Secret output (additionalSecretOutputs). */
    declare readonly secret: pulumi.Output<string>;
    declare readonly expiresAt: pulumi.Output<number>;

    constructor(name: string, args: HarborRobotArgs, opts?: pulumi.CustomResourceOptions) {
        if (typeof args.durationDays === "number") {
            const days = args.durationDays;
            if (!Number.isInteger(days) || days === 0 || days < -1) {
                throw new Error(
                    `HarborRobot ${name}: durationDays must be a positive number of days or -1 ` +
                        `(never expires), got ${days}`,
                );
            }
        }
        super(
            robotProvider,
            name,
            {
                ...connectionInputs(args),
                project: args.project,
                name: args.name,
                description: args.description ?? "",
                durationDays: args.durationDays ?? -1,
                access: args.access,
                disabled: args.disabled ?? false,
                rotation: pulumi.output(args.rotation ?? "").apply((r) => String(r)),
                adoptId: args.adoptId,
                robotId: undefined,
                fullName: undefined,
                secret: undefined,
                expiresAt: undefined,
            },
            withSecretOutputs(opts, ROBOT_SECRET_OUTPUTS),
            "harbor",
            "Robot",
        );
    }
}

export interface HarborGcScheduleArgs extends HarborConnectionArgs {
    /** 6-field Harbor cron (seconds first), e.g. "0 0 2 * * *" = daily 02:00 UTC. */
    schedule: pulumi.Input<string>;
    /** Also delete untagged artifacts (default false). */
    deleteUntagged?: pulumi.Input<boolean>;
    /** GC workers, 1-5 (default 1). */
    workers?: pulumi.Input<number>;
}

/** Harbor's garbage-collection schedule (a singleton, id "gc-schedule"). `adopt` takes it over. */
export class HarborGcSchedule extends pulumi.dynamic.Resource {
    declare readonly schedule: pulumi.Output<string>;
    declare readonly deleteUntagged: pulumi.Output<boolean>;
    declare readonly workers: pulumi.Output<number>;

    constructor(name: string, args: HarborGcScheduleArgs, opts?: pulumi.CustomResourceOptions) {
        assertKnownCron(args.schedule, `HarborGcSchedule ${name}`);
        super(
            gcScheduleProvider,
            name,
            {
                ...connectionInputs(args),
                schedule: args.schedule,
                deleteUntagged: args.deleteUntagged ?? false,
                workers: args.workers ?? 1,
            },
            withSecretOutputs(opts, HARBOR_SECRET_OUTPUTS),
            "harbor",
            "GcSchedule",
        );
    }
}

export interface HarborRetentionPolicyArgs extends HarborConnectionArgs {
    project: pulumi.Input<string>;
    /** Keep the N most recently pushed artifacts per repository. */
    keepLatest: pulumi.Input<number>;
    /** 6-field Harbor cron (seconds first). */
    schedule: pulumi.Input<string>;
    tagPattern?: pulumi.Input<string>;
    repositoryPattern?: pulumi.Input<string>;
    includeUntagged?: pulumi.Input<boolean>;
    /** With `adopt`: the retention id expected; adoption fails if the project has another. */
    adoptId?: pulumi.Input<number>;
}

/**
 * A project's tag-retention policy; its id is the numeric retention id (project metadata
 * retention_id). `adopt` takes over the project's existing policy.
 */
export class HarborRetentionPolicy extends pulumi.dynamic.Resource {
    declare readonly project: pulumi.Output<string>;
    declare readonly keepLatest: pulumi.Output<number>;
    declare readonly schedule: pulumi.Output<string>;
    declare readonly retentionId: pulumi.Output<number>;
    declare readonly projectId: pulumi.Output<number>;

    constructor(
        name: string,
        args: HarborRetentionPolicyArgs,
        opts?: pulumi.CustomResourceOptions,
    ) {
        assertKnownCron(args.schedule, `HarborRetentionPolicy ${name}`);
        if (
            typeof args.keepLatest === "number" &&
            !(Number.isInteger(args.keepLatest) && args.keepLatest >= 1)
        ) {
            throw new Error(
                `HarborRetentionPolicy ${name}: keepLatest must be a whole number >= 1, got ${args.keepLatest}`,
            );
        }
        super(
            retentionPolicyProvider,
            name,
            {
                ...connectionInputs(args),
                project: args.project,
                keepLatest: args.keepLatest,
                schedule: args.schedule,
                tagPattern: args.tagPattern ?? "**",
                repositoryPattern: args.repositoryPattern ?? "**",
                includeUntagged: args.includeUntagged ?? true,
                adoptId: args.adoptId,
                retentionId: undefined,
                projectId: undefined,
            },
            withSecretOutputs(opts, HARBOR_SECRET_OUTPUTS),
            "harbor",
            "RetentionPolicy",
        );
    }
}
