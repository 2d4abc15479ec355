/**
 * Runs the real program under Pulumi's mock runtime and records every registration with what
 * the engine would see: type, name, parent, dependencies, protect/retainOnDelete and inputs (with
 * secrets still marked). Shared by the offline render (scripts/render.ts) and the tests
 * (tests/mocks.ts), so both exercise exactly the same wiring.
 *
 * Generated secrets take the value `render-secret-<resource name>`: any appearance of that text
 * outside a secret marker is a leak.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime";

export const SECRET_PREFIX = "render-secret-";
const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;
const RESOURCE_SIG = pulumi.runtime.specialResourceSig;

export interface Registration {
    type: string;
    name: string;
    custom: boolean;
    /** `<type>::<name>` of the parent, if any. */
    parent?: string;
    /** `<type>::<name>` of every resource this one waits for (dependsOn and input dependencies). */
    dependencies: string[];
    protect: boolean;
    retainOnDelete: boolean;
    /** Inputs as registered; secret values are wrapped in Pulumi's secret marker. */
    inputs: Record<string, unknown>;
    urn: string;
    /** The `import` option's id (an existing object to take over), if any. */
    importId?: string;
    /** The explicit provider reference (`<provider urn>::<id>`), "" when the default one is used. */
    provider?: string;
}

export interface Invocation {
    token: string;
    inputs: Record<string, unknown>;
    /** The explicit provider reference, "" when the default one is used. */
    provider?: string;
}

export interface MockOptions {
    /**
     * 1Password items to answer lookups with, by title (label → value); any other title gets
     * every field in LOOKUP_LABELS. An entry lets a test remove fields from an item.
     */
    onePasswordItems?: Record<string, Record<string, string>>;
    project?: string;
    stack: string;
    /** Full config map (`platform:key` → string, objects as JSON). */
    config: Record<string, string>;
    secretKeys?: string[];
    /** Outputs returned for `pulumi.StackReference(name)`, by stack name. */
    stackOutputs?: Record<string, Record<string, unknown>>;
    /**
     * Outputs of `stackOutputs[name]` the engine holds as secrets, by stack name: returned wrapped
     * as secrets and listed in the reference's `secretOutputNames`, so `getOutputDetails` gives
     * their `secretValue` (not `value`), as for a real stack with a secret output.
     */
    secretStackOutputs?: Record<string, string[]>;
    preview?: boolean;
    /**
     * Live Secrets a `Secret.get` reads, by `<namespace>/<name>` (key → plain value). Without an
     * entry, a read Secret holds every key `platform:takeover.secrets` reads from it, with the
     * value `render-secret-<secret name>` (a generated value, so the render redacts and the leak
     * check finds it).
     */
    liveSecrets?: Record<string, Record<string, string>>;
}

/** The data of a live Secret read with `Secret.get` (base64, as the API server returns it). */
function liveSecretData(id: string, opts: MockOptions): Record<string, string> {
    const b64 = (v: string) => Buffer.from(v, "utf8").toString("base64");
    const given = opts.liveSecrets?.[id];
    if (given) return Object.fromEntries(Object.entries(given).map(([k, v]) => [k, b64(v)]));
    let takeover: { secrets?: Record<string, { kubernetes?: { secret: string; key: string } }> };
    try {
        takeover = JSON.parse(opts.config["platform:takeover"] ?? "{}") as typeof takeover;
    } catch {
        return {};
    }
    const data: Record<string, string> = {};
    for (const [name, s] of Object.entries(takeover.secrets ?? {})) {
        if (s.kubernetes?.secret === id) data[s.kubernetes.key] = b64(`${SECRET_PREFIX}${name}`);
    }
    return data;
}

/** A value wrapped the way the engine marks a secret; the mock monitor passes it on as a secret. */
export function secretValue(value: unknown): Record<string, unknown> {
    return { [SIG_KEY]: SECRET_SIG, value };
}

export function isSecretMarker(value: unknown): value is { value: unknown } {
    return (
        typeof value === "object" &&
        value !== null &&
        (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
    );
}

/**
 * Replaces every secret with "[secret]" and resource references with their `<type>::<name>`.
 * A secret object keeps its keys (a Secret's `stringData` shows which keys it has), never its values.
 */
export function redact(value: unknown): unknown {
    if (isSecretMarker(value)) return redactAll(value.value);
    if (Array.isArray(value)) return value.map(redact);
    if (typeof value === "object" && value !== null) {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === RESOURCE_SIG && typeof obj.urn === "string") return urnToRef(obj.urn);
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, redact(v)]));
    }
    return value;
}

function redactAll(value: unknown): unknown {
    if (isSecretMarker(value)) return redactAll(value.value);
    if (value && typeof value === "object" && !Array.isArray(value)) {
        return Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactAll(v)]),
        );
    }
    return "[secret]";
}

/** The plain value with secret markers removed (for assertions on what a resource receives). */
export function unwrap(value: unknown): unknown {
    if (isSecretMarker(value)) return unwrap(value.value);
    if (Array.isArray(value)) return value.map(unwrap);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, unwrap(v)]),
        );
    }
    return value;
}

/** `urn:pulumi:stack::project::a$b$type::name` → `type::name`. */
export function urnToRef(urn: string): string {
    const parts = urn.split("::");
    const qualified = parts[2] ?? "";
    const type = qualified.split("$").pop() ?? qualified;
    const name = parts.slice(3).join("::");
    return `${type}::${name}`;
}

/** Fields a 1Password item looked up during a render is given, each `render-secret-<title>/<label>`. */
const LOOKUP_LABELS = [
    "username",
    "password",
    "accessKey",
    "secretKey",
    "credential",
    "token",
    // Fields of the seed's Harbor items, read when a takeover adopts their secrets.
    "admin_password",
    "secret_key",
    "http_secret",
];

function onePasswordItem(
    inputs: Record<string, unknown>,
    items: Record<string, Record<string, string>> | undefined,
): Record<string, unknown> {
    const title = typeof inputs.title === "string" ? inputs.title : "item";
    const v = (label: string) => `${SECRET_PREFIX}${title}/${label}`;
    const given = items?.[title];
    if (given) {
        return {
            id: `vaults/render/items/${title}`,
            uuid: `uuid-${title}`,
            title,
            vault: inputs.vault,
            category: "login",
            username: "",
            password: "",
            sections: [
                {
                    id: "render",
                    label: "render",
                    fields: Object.entries(given).map(([label, value]) => ({
                        id: label,
                        label,
                        type: "CONCEALED",
                        value,
                    })),
                },
            ],
        };
    }
    return {
        id: `vaults/render/items/${title}`,
        uuid: `uuid-${title}`,
        title,
        vault: inputs.vault,
        category: "login",
        username: v("username"),
        password: v("password"),
        sections: [
            {
                id: "render",
                label: "render",
                fields: LOOKUP_LABELS.map((label) => ({
                    id: label,
                    label,
                    type: "CONCEALED",
                    value: v(label),
                })),
            },
        ],
    };
}

/** State the mock returns for a resource: its inputs plus what the real provider computes. */
function resourceState(args: MockResourceArgs, opts: MockOptions): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    const generated = secretValue(`${SECRET_PREFIX}${args.name}`);
    if (args.type === "kubernetes:core/v1:Secret" && args.id && Object.keys(inputs).length === 0) {
        // A read of a live Secret (`Secret.get`): the SDK marks `data` secret.
        return { apiVersion: "v1", kind: "Secret", data: liveSecretData(args.id, opts) };
    }
    switch (args.type) {
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString":
            return {
                ...inputs,
                result: generated,
                bcryptHash: secretValue(`$2a$10$${SECRET_PREFIX}${args.name}`),
            };
        case "random:index/randomBytes:RandomBytes": {
            // Real encodings of `length` bytes (a salt is decoded, not shown): the bytes of
            // `render-secret-<name>`, cut or repeated to the length.
            const text = Buffer.from(`${SECRET_PREFIX}${args.name}`);
            const length = typeof inputs.length === "number" ? inputs.length : text.length;
            const bytes = Buffer.alloc(length, text);
            return {
                ...inputs,
                base64: secretValue(bytes.toString("base64")),
                hex: secretValue(bytes.toString("hex")),
            };
        }
        case "kubernetes:helm.sh/v3:Release":
            return {
                ...inputs,
                status: {
                    name: inputs.name,
                    namespace: inputs.namespace,
                    chart: inputs.chart,
                    version: inputs.version,
                    status: "deployed",
                    revision: 1,
                },
            };
        case "onepassword:index/item:Item":
            return { ...inputs, uuid: `uuid-${args.name}` };
        case "pulumi:pulumi:StackReference": {
            const name = typeof inputs.name === "string" ? inputs.name : "";
            const outputs = opts.stackOutputs?.[name] ?? {};
            const secret = (opts.secretStackOutputs?.[name] ?? []).filter((k) => k in outputs);
            return {
                ...inputs,
                outputs: Object.fromEntries(
                    Object.entries(outputs).map(([k, v]) => [
                        k,
                        secret.includes(k) ? secretValue(v) : v,
                    ]),
                ),
                secretOutputNames: secret,
            };
        }
        case "tls:index/privateKey:PrivateKey":
            return {
                ...inputs,
                privateKeyPem: generated,
                privateKeyPemPkcs8: generated,
                publicKeyPem: `render-public-key-${args.name}`,
            };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return {
                ...inputs,
                certPem: `-----BEGIN CERTIFICATE-----\nrender-${args.name}\n-----END CERTIFICATE-----\n`,
            };
        case "pulumi-nodejs:dynamic/harbor:Robot": {
            const project = typeof inputs.project === "string" ? inputs.project : "";
            const robot = typeof inputs.name === "string" ? inputs.name : "";
            return {
                ...inputs,
                robotId: 1,
                fullName: `robot$${project}+${robot}`,
                secret: generated,
                expiresAt: -1,
            };
        }
        case "pulumi-nodejs:dynamic/harbor:Project":
            return { ...inputs, projectId: 1 };
        default:
            return inputs;
    }
}

function invoke(args: MockCallArgs, opts: MockOptions): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    switch (args.token) {
        case "onepassword:index/getVault:getVault": {
            const name = typeof inputs.name === "string" ? inputs.name : "vault";
            return { uuid: `render-vault-${name}`, name, description: "" };
        }
        case "onepassword:index/getItem:getItem":
            return onePasswordItem(inputs, opts.onePasswordItems);
        default:
            throw new Error(`unmocked invoke ${args.token}: add it to scripts/mock-runtime.ts`);
    }
}

/** The URN the mock monitor gives a resource (MockMonitor.newUrn is private). */
function mockUrn(parent: string, type: string, name: string): string {
    const parentType = parent ? (parent.split("::")[2] ?? "").split("$").pop() : undefined;
    const qualified = parentType ? `${parentType}$${type}` : type;
    const { project, stack } = { project: pulumi.getProject(), stack: pulumi.getStack() };
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** A protobuf Struct as the gRPC requests carry it. */
type WireStruct = Parameters<typeof pulumi.runtime.deserializeProperties>[0];

/** The parts of the gRPC requests the recorder reads (MockMonitor types them as `any`). */
interface RegisterResourceRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getImportid(): string | undefined;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }) => void): void };
    getObject(): WireStruct;
    getProvider(): string;
}
interface ReadResourceRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getProperties(): WireStruct;
}
interface InvokeRequest {
    getTok(): string;
    getArgs(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
    getProvider(): string;
}

class RecordingMonitor extends MockMonitor {
    public readonly registrations: Registration[] = [];
    public readonly invocations: Invocation[] = [];

    /** Records one registration; `parent` and `dependencies` are URNs. */
    private record(r: {
        type: string;
        name: string;
        parent: string;
        custom: boolean;
        dependencies: string[];
        protect: boolean;
        retainOnDelete: boolean;
        inputs: Record<string, unknown>;
        importId?: string;
        provider?: string;
    }): void {
        const urn = mockUrn(r.parent, r.type, r.name);
        const deps = new Set(r.dependencies.map(urnToRef));
        deps.delete(urnToRef(urn));
        this.registrations.push({
            type: r.type,
            name: r.name,
            custom: r.custom,
            parent: r.parent ? urnToRef(r.parent) : undefined,
            dependencies: [...deps].sort(),
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
            inputs: r.inputs,
            urn,
            ...(r.importId ? { importId: r.importId } : {}),
            provider: r.provider ?? "",
        });
    }

    public override async registerResource(
        req: Parameters<MockMonitor["registerResource"]>[0],
        callback: Parameters<MockMonitor["registerResource"]>[1],
    ): Promise<void> {
        const r = req as RegisterResourceRequest;
        const propertyDependencies: string[] = [];
        r.getPropertydependenciesMap().forEach((v) =>
            propertyDependencies.push(...v.getUrnsList()),
        );
        this.record({
            type: r.getType(),
            name: r.getName(),
            parent: r.getParent(),
            custom: r.getCustom(),
            dependencies: [...r.getDependenciesList(), ...propertyDependencies],
            protect: r.getProtect() === true,
            retainOnDelete: r.getRetainondelete() === true,
            // The wire form keeps secrets where they are (deserializeProperties would mark a whole
            // object secret when one nested value is, which the engine does not do).
            inputs: r.getObject().toJavaScript(),
            importId: r.getImportid() ?? undefined,
            provider: r.getProvider(),
        });
        return super.registerResource(req, callback);
    }

    /** Reads (StackReference, `.get`) are registrations too: record them. */
    public override async readResource(
        req: Parameters<MockMonitor["readResource"]>[0],
        callback: Parameters<MockMonitor["readResource"]>[1],
    ): Promise<void> {
        const r = req as ReadResourceRequest;
        this.record({
            type: r.getType(),
            name: r.getName(),
            parent: r.getParent(),
            custom: true,
            dependencies: r.getDependenciesList(),
            protect: false,
            retainOnDelete: false,
            inputs: r.getProperties().toJavaScript(),
        });
        return super.readResource(req, callback);
    }

    public override async invoke(
        req: Parameters<MockMonitor["invoke"]>[0],
        callback: Parameters<MockMonitor["invoke"]>[1],
    ): Promise<void> {
        const r = req as InvokeRequest;
        this.invocations.push({
            token: r.getTok(),
            inputs: pulumi.runtime.deserializeProperties(r.getArgs()),
            provider: r.getProvider(),
        });
        return super.invoke(req, callback);
    }
}

export interface RunResult {
    registrations: Registration[];
    invocations: Invocation[];
    /** Stack outputs with secrets still marked. */
    outputs: Record<string, unknown>;
}

/**
 * Runs `program` (the stack's entry function) as the engine would, and waits until every
 * registration has been made. Throws what the program throws.
 */
/** The organization `pulumi.getOrganization()` returns under the mock runtime (the diy backend's). */
export const MOCK_ORGANIZATION = "organization";

export async function runProgram(program: () => unknown, opts: MockOptions): Promise<RunResult> {
    const monitor = new RecordingMonitor({
        newResource: (args) => ({
            id: args.custom ? `${args.name}-id` : undefined,
            state: resourceState(args, opts),
        }),
        call: (args) => invoke(args, opts),
    });
    pulumi.runtime.setMockOptions(
        monitor,
        opts.project ?? "platform",
        opts.stack,
        opts.preview ?? false,
        MOCK_ORGANIZATION,
    );
    enableMockFeatures();
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);

    // A registration whose inputs fail to resolve (an `apply` that throws, e.g. a missing
    // 1Password field) surfaces only as an unhandled rejection; the engine would fail the update,
    // so the run fails too, with the root cause. Other listeners (mocha's) are set aside meanwhile.
    const failures: unknown[] = [];
    const others = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const onRejection = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", onRejection);
    let programResult: unknown;
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            programResult = await Promise.resolve(program());
            return programResult as Record<string, unknown>;
        });
        await internals.settings.waitForRPCs();
        await new Promise((resolve) => setImmediate(resolve));
    } catch (e) {
        // A registration that failed on its inputs also fails the outstanding RPCs (a component
        // waits for its `providers`, whose inputs may be what failed): the same root cause.
        if (!(e instanceof Error && e.message.startsWith("error serializing property"))) throw e;
        failures.push(e);
    } finally {
        process.off("unhandledRejection", onRejection);
        for (const listener of others) process.on("unhandledRejection", listener);
    }
    if (failures.length > 0) throw new ProgramError(failures);
    return {
        registrations: monitor.registrations,
        invocations: monitor.invocations,
        outputs: await serializeOutputs(programResult),
    };
}

/** The program failed while resources were being registered; `message` is the root cause. */
export class ProgramError extends Error {
    constructor(public readonly failures: unknown[]) {
        const causes = [...new Set(failures.map(rootCause))];
        super(causes.join("\n"));
        this.name = "ProgramError";
    }
}

/**
 * "error serializing property "a": error serializing property "b": <cause>" → <cause>. A component
 * whose `providers` failed to resolve reports the provider's failure with the inner error printed
 * whole (its message, then its stack): the cause is after the last such prefix, before the stack.
 */
function rootCause(reason: unknown): string {
    const text = reason instanceof Error ? reason.message : String(reason);
    const last = [...text.matchAll(/error serializing property "[^"]*": /g)].pop();
    const cause = last?.index === undefined ? text : text.slice(last.index + last[0].length);
    return cause.split(/\n\s+at /)[0] ?? cause;
}

/** Stack outputs serialized like the engine stores them (secrets keep their marker). */
async function serializeOutputs(outputs: unknown): Promise<Record<string, unknown>> {
    const serialized = (await pulumi.runtime.serializeProperty("outputs", outputs, new Set(), {
        keepOutputValues: false,
    })) as unknown;
    return (serialized ?? {}) as Record<string, unknown>;
}

/**
 * Two SDK internals the public API does not expose: the runtime store (feature flags) and the
 * wait for outstanding RPCs. `setMocks` sets the same flags; we need `setMockOptions` to pass our
 * recording monitor.
 */
const internals = {
    /* eslint-disable @typescript-eslint/no-require-imports */
    state: require("@pulumi/pulumi/runtime/state") as { getStore(): Record<string, unknown> },
    settings: require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> },
    /* eslint-enable @typescript-eslint/no-require-imports */
};

function enableMockFeatures(): void {
    Object.assign(internals.state.getStore(), {
        supportsSecrets: true,
        supportsResourceReferences: true,
        supportsOutputValues: false,
        supportsDeletedWith: true,
        supportsReplaceWith: true,
        supportsAliasSpecs: true,
        supportsTransforms: true,
        supportsInvokeTransforms: true,
        supportsParameterization: true,
        supportsResourceHooks: true,
        supportsErrorHooks: true,
        supportsInvokeDependsOn: false,
    });
}
