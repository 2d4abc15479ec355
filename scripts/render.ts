/**
 * Offline render: `npm run render -- <stack> [--config <file>] [--overlay <file>]... [--out <dir>]
 * [--infra-outputs <json>]`; an overlay (examples/restore-drill.yaml) is merged onto the stack's
 * settings as scripts/overlay.ts merges it.
 *
 * Runs the real program under Pulumi's mock runtime (no cluster, no credentials, no Pulumi CLI)
 * and writes what `pulumi up` would create: manifests.yaml, releases/<name>.yaml,
 * resources.json, graph.mmd and outputs.json. Secrets are written as "[secret]"; generated secrets
 * are `render-secret-<name>` during a render, and the render fails if that text escapes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as YAML from "yaml";
import { createHash } from "node:crypto";
import { ConfigError, type PlatformConfig } from "../components/config";
import { qualifiedInfraStack } from "../components/apps/config";
import { clusterBudget } from "../components/postgres/budget";
import { supportNotes } from "../components/versions/pins";
import { buildInfraOutputs } from "../components/contract/infra-outputs-build";
import { infraOutputsSchema, type InfraOutputs } from "../components/contract/infra-outputs";
import { PLAIN_KEYS_ANNOTATION } from "../components/credentials";
import type { Locator } from "../components/problems";
import {
    describedError,
    parseStackConfig,
    parseYamlFile,
    readStackFile,
    stackLocator,
    StackFileError,
} from "../components/stack-file";
import { mergeSettings } from "./overlay";
import {
    isSecretMarker,
    ProgramError,
    redact,
    secretValue,
    runProgram,
    MOCK_ORGANIZATION,
    SECRET_PREFIX,
    type Registration,
    type RunResult,
} from "./mock-runtime";

export interface RenderOptions {
    stack: string;
    /** Stack settings file; default Pulumi.<stack>.yaml beside Pulumi.yaml. */
    configFile?: string;
    /** Overlays merged onto the stack's settings in order (scripts/overlay.ts). */
    overlays?: string[];
    /** Project directory holding Pulumi.yaml. */
    projectDir?: string;
    /** Outputs of the infra stack for the apps stack's StackReference. */
    infraOutputs?: Record<string, unknown>;
    /**
     * Without infraOutputs: the infra settings file the placeholders are built from (default
     * Pulumi.<last part of platform:infraStack>.yaml beside Pulumi.yaml).
     */
    infraConfigFile?: string;
    /** The day the support status is reported for (default: now); tests pin it. */
    today?: Date;
}

export interface RenderedFiles {
    /** Relative path → file content. */
    files: Record<string, string>;
    result: RunResult;
    /** What the render prints besides the files (the connection budget on infra, each pin's support status). */
    notes?: string[];
}

/** The shared cluster's connection budget as the program computes it (components/postgres/budget.ts). */
function budgetNote(cfg: PlatformConfig): string[] {
    if (cfg.role !== "infra" || !cfg.postgres) return [];
    const b = clusterBudget(cfg.postgres, cfg.tenants);
    return [
        `connection budget: ${b.required} of maxConnections ${b.maxConnections} (role limits ${b.roleLimits} + auth_query pools ${b.authConnections} + superuser ${b.superuserReserved} + system ${b.systemReserved}); headroom ${b.maxConnections - b.required}`,
    ];
}

/** A file as errors name it: relative to the working directory when inside it. */
function shownPath(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

/**
 * Flattens a stack settings file, with overlays merged onto it in order (scripts/overlay.ts), into
 * the config map Pulumi hands a program, applying the project's defaults from Pulumi.yaml. Secure
 * values become `render-secret-config-<key>` and are reported as secret keys. `locate` says where
 * a config key is written (`<file>:<line>:<column>`), for errors.
 */
export function loadStackConfig(
    projectFile: string,
    stackFile: string,
    overlays: readonly string[] = [],
): { config: Record<string, string>; secretKeys: string[]; locate: Locator } {
    const project = parseYamlFile(projectFile, fs.readFileSync(projectFile, "utf8")) as {
        name: string;
        config?: Record<string, unknown>;
    };
    const files = [stackFile, ...overlays].map((file) =>
        readStackFile(shownPath(file), fs.readFileSync(file, "utf8")),
    );
    const stack = {
        config: files.map((f) => f.config).reduce((base, overlay) => mergeSettings(base, overlay)),
    };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        if (decl && typeof decl === "object" && "default" in decl) {
            config[qualify(key)] = encode(decl.default);
        }
    }
    for (const [key, value] of Object.entries(stack.config)) {
        const full = qualify(key);
        if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
            config[full] = `${SECRET_PREFIX}config-${full}`;
            secretKeys.push(full);
        } else {
            config[full] = encode(value);
        }
    }
    return { config, secretKeys, locate: stackLocator(files) };
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Stable JSON: keys sorted at every level. */
function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value as Record<string, unknown>)
                .sort()
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

const ref = (r: Registration) => `${r.type}::${r.name}`;

/**
 * A Kubernetes Secret's inputs with the keys its PLAIN_KEYS_ANNOTATION names taken out of the
 * `stringData` secret marker (the SDK wraps the whole `stringData`); every other key stays secret.
 * A named key whose value holds a generated secret still shows as a leak.
 */
function revealPlainKeys(inputs: Record<string, unknown>): Record<string, unknown> {
    const meta = (inputs.metadata ?? {}) as { annotations?: Record<string, unknown> };
    const listed = meta.annotations?.[PLAIN_KEYS_ANNOTATION];
    const data = inputs.stringData;
    if (inputs.kind !== "Secret" || typeof listed !== "string" || !isSecretMarker(data)) {
        return inputs;
    }
    const plain = new Set(listed.split(",").filter((k) => k !== ""));
    const values = data.value as Record<string, unknown>;
    return {
        ...inputs,
        stringData: Object.fromEntries(
            Object.entries(values).map(([k, v]) => [k, plain.has(k) ? v : secretValue(v)]),
        ),
    };
}

/** Inputs as the render writes them: secrets "[secret]", a Secret's plain keys readable. */
export function redactInputs(inputs: Record<string, unknown>): Record<string, unknown> {
    return redact(revealPlainKeys(inputs)) as Record<string, unknown>;
}

/**
 * Objects the stack creates itself. Patches (`…Patch` types, e.g. the `default` ServiceAccount's
 * imagePullSecrets) change objects others own, so they are listed in resources.json only.
 */
function isKubernetesObject(r: Registration): boolean {
    return (
        r.custom &&
        r.type.startsWith("kubernetes:") &&
        !r.type.startsWith("kubernetes:helm.sh/") &&
        !r.type.endsWith("Patch") &&
        typeof r.inputs.apiVersion === "string" &&
        typeof r.inputs.kind === "string"
    );
}

function manifests(regs: Registration[]): string {
    const objects = regs.filter(isKubernetesObject).map((r) => redactInputs(r.inputs));
    const key = (o: Record<string, unknown>) => {
        const meta = (o.metadata ?? {}) as Record<string, unknown>;
        const s = (v: unknown) => (typeof v === "string" ? v : "");
        return [s(o.apiVersion), s(o.kind), s(meta.namespace), s(meta.name)];
    };
    objects.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        for (let i = 0; i < ka.length; i++) {
            const c = (ka[i] ?? "").localeCompare(kb[i] ?? "");
            if (c !== 0) return c;
        }
        return 0;
    });
    // YAML 1.1 output quotes strings such as "on" or "yes" that kubectl's YAML 1.1 parser would
    // otherwise read as booleans.
    return objects
        .map((o) => YAML.stringify(sortKeys(o), { lineWidth: 0, version: "1.1" }))
        .join("---\n");
}

function releases(regs: Registration[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of regs.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
        const inputs = redact(r.inputs) as Record<string, unknown>;
        const repo = (inputs.repositoryOpts ?? {}) as Record<string, unknown>;
        const name = typeof inputs.name === "string" ? inputs.name : r.name;
        out[`releases/${name}.yaml`] = YAML.stringify(
            {
                name,
                namespace: inputs.namespace,
                chart: inputs.chart,
                version: inputs.version,
                repository: repo.repo ?? null,
                values: sortKeys(inputs.values ?? {}),
            },
            { lineWidth: 0 },
        );
    }
    return out;
}

/** A dynamic resource's serialized provider code is noise in a review; name it instead. */
function withoutProviderCode(inputs: Record<string, unknown>): Record<string, unknown> {
    return "__provider" in inputs
        ? { ...inputs, __provider: "[serialized dynamic provider]" }
        : inputs;
}

/** The import id of an adopted resource, `[secret]` when the id is a secret value, else null. */
function importField(r: Registration): string | null {
    if (!r.importId) return null;
    return r.importId.includes(SECRET_PREFIX) ? "[secret]" : r.importId;
}

function resourcesJson(regs: Registration[]): string {
    const rows = [...regs]
        .sort((a, b) => ref(a).localeCompare(ref(b)))
        .map((r) => ({
            type: r.type,
            name: r.name,
            custom: r.custom,
            parent: r.parent ?? null,
            dependencies: r.dependencies,
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
            import: importField(r),
            inputs: sortKeys(redactInputs(withoutProviderCode(r.inputs))),
        }));
    return `${JSON.stringify(rows, null, 2)}\n`;
}

/** `kubernetes:postgresql.cnpg.io/v1:Cluster` → `Cluster`; `platform:postgres:Tenant` → `Tenant`. */
function shortType(type: string): string {
    return type.split(":").pop()?.split("/").pop() ?? type;
}

/**
 * Mermaid node ids that stay the same when other resources come and go: `<Kind>_<name>` with every
 * character outside [A-Za-z0-9_] as `_`. Refs whose ids would collide all get a suffix from a hash
 * of their full `<type>::<name>`, so no two refs share an id.
 */
export function nodeIds(refs: readonly string[]): Map<string, string> {
    const base = (r: string) => {
        const sep = r.indexOf("::");
        const id = `${shortType(r.slice(0, sep))}_${r.slice(sep + 2)}`;
        return id.replace(/[^A-Za-z0-9_]/g, "_");
    };
    const count = new Map<string, number>();
    for (const r of new Set(refs)) count.set(base(r), (count.get(base(r)) ?? 0) + 1);
    return new Map(
        [...new Set(refs)].map((r) => {
            const id = base(r);
            const hash = createHash("sha256").update(r).digest("hex").slice(0, 8);
            return [r, (count.get(id) ?? 0) > 1 ? `${id}_${hash}` : id];
        }),
    );
}

/** A Mermaid node label: type and name, quotes made safe. */
export function nodeLabel(type: string, name: string): string {
    return `${type}<br/>${name}`.replace(/"/g, "'");
}

/**
 * The dependency graph as a Mermaid flowchart: each component is a subgraph holding its children
 * (nested as the components are), each resource a node with a stable id, each dependency an edge.
 */
function graph(regs: Registration[]): string {
    const sorted = [...regs]
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .sort((a, b) => ref(a).localeCompare(ref(b)));
    const ids = nodeIds(sorted.map(ref));
    const byRef = new Map(sorted.map((r) => [ref(r), r]));
    const children = new Map<string, Registration[]>();
    const roots: Registration[] = [];
    for (const r of sorted) {
        const parent = r.parent ? byRef.get(r.parent) : undefined;
        if (parent) children.set(ref(parent), [...(children.get(ref(parent)) ?? []), r]);
        else roots.push(r);
    }
    const lines = ["flowchart LR"];
    const draw = (r: Registration, indent: string) => {
        const id = ids.get(ref(r)) ?? "";
        const kids = children.get(ref(r)) ?? [];
        if (!r.custom && kids.length > 0) {
            lines.push(`${indent}subgraph ${id}["${nodeLabel(r.type, r.name)}"]`);
            for (const k of kids) draw(k, `${indent}  `);
            lines.push(`${indent}end`);
            return;
        }
        const shape = r.custom ? [`["`, `"]`] : [`(["`, `"])`];
        lines.push(`${indent}${id}${shape[0] ?? ""}${nodeLabel(r.type, r.name)}${shape[1] ?? ""}`);
        for (const k of kids) draw(k, indent);
    };
    for (const r of roots) draw(r, "  ");
    // A component's own children sit inside its subgraph; an edge between the two would only
    // repeat that (and Mermaid cannot lay out a link from a subgraph into itself).
    const ancestors = (r: Registration): Set<string> => {
        const out = new Set<string>();
        for (let p = r.parent; p && !out.has(p); p = byRef.get(p)?.parent) out.add(p);
        return out;
    };
    for (const r of sorted) {
        const up = ancestors(r);
        for (const dep of r.dependencies) {
            const from = ids.get(dep);
            if (from && !up.has(dep)) lines.push(`  ${from} --> ${ids.get(ref(r)) ?? ""}`);
        }
    }
    return `${lines.join("\n")}\n`;
}

/** Where `render-secret-` text appears outside a secret marker, by file. */
export function findLeaks(files: Record<string, string>): string[] {
    return Object.entries(files)
        .filter(([, content]) => content.includes(SECRET_PREFIX))
        .map(([file, content]) => {
            const line = content.split("\n").find((l) => l.includes(SECRET_PREFIX)) ?? "";
            return `${file}: ${line.trim()}`;
        });
}

/** The apps stack's placeholders could not be built: the cause is the infra settings file. */
export class PlaceholderError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlaceholderError";
    }
}

/** The infra settings file the apps stack's placeholders come from: Pulumi.<last part of infraStack>.yaml. */
export function infraSettingsFile(projectDir: string, infraStack: string): string {
    return path.join(projectDir, `Pulumi.${infraStack.split("/").pop() ?? infraStack}.yaml`);
}

/**
 * The outputs the apps program's StackReference reads under the mock runtime, by the name it
 * gets (a bare stack name takes the mock organization, as the program qualifies it): the given
 * infra outputs, else placeholders built from the infra settings file (`placeholdersFrom`). Empty
 * without `platform:infraStack`. The render and the takeover plan both run the program on it.
 */
export function infraStackOutputs(
    projectDir: string,
    infraRef: string | undefined,
    opts: { infraOutputs?: Record<string, unknown>; infraConfigFile?: string } = {},
): {
    stackOutputs: Record<string, Record<string, unknown>>;
    name?: string;
    placeholdersFrom?: string;
} {
    if (!infraRef) return { stackOutputs: {} };
    const name = qualifiedInfraStack(infraRef, MOCK_ORGANIZATION, "platform");
    if (opts.infraOutputs) return { stackOutputs: { [name]: opts.infraOutputs }, name };
    const placeholdersFrom = opts.infraConfigFile ?? infraSettingsFile(projectDir, infraRef);
    return {
        stackOutputs: { [name]: placeholderInfraOutputs(projectDir, placeholdersFrom) },
        name,
        placeholdersFrom,
    };
}

/**
 * Placeholders for the infra stack's outputs when the apps stack renders without them: what the
 * infra stack would write for its settings file (parsed with the program's own config parser,
 * written by the same builder as `buildInfra`, checked against the contract). Hosts, items and
 * names are the real ones; passwords are `render-secret-` text so that a leak is caught like any
 * generated secret.
 */
export function placeholderInfraOutputs(projectDir: string, infraFile: string): InfraOutputs {
    const shown = path.relative(process.cwd(), infraFile) || infraFile;
    if (!fs.existsSync(infraFile)) {
        throw new PlaceholderError(
            `render: the apps stack has no infra outputs (--infra-outputs) and its placeholders come from the infra settings ${shown}, which does not exist; pass --infra-outputs <json> or --infra-config <file>`,
        );
    }
    const { config, secretKeys, locate } = loadStackConfig(
        path.join(projectDir, "Pulumi.yaml"),
        infraFile,
    );
    let cfg;
    try {
        cfg = parseStackConfig(config, (key) => secretKeys.includes(key), locate);
    } catch (e) {
        if (!(e instanceof ConfigError || e instanceof StackFileError)) throw e;
        throw new PlaceholderError(
            `render: the apps stack's placeholder infra outputs come from ${shown}, which is not a valid infra config:\n${e.message}`,
        );
    }
    if (cfg.role !== "infra") {
        throw new PlaceholderError(
            `render: the apps stack's placeholder infra outputs come from ${shown}, whose platform:role is "${cfg.role}", not "infra"; pass --infra-config <file>`,
        );
    }
    const written = buildInfraOutputs(
        cfg,
        (tenant) => `${SECRET_PREFIX}infra-tenant-${tenant}-password`,
    );
    return infraOutputsSchema.parse(written);
}

export async function render(opts: RenderOptions): Promise<RenderedFiles> {
    const projectDir = opts.projectDir ?? path.resolve(__dirname, "..");
    const stackFile = opts.configFile ?? path.join(projectDir, `Pulumi.${opts.stack}.yaml`);
    const { config, secretKeys, locate } = loadStackConfig(
        path.join(projectDir, "Pulumi.yaml"),
        stackFile,
        opts.overlays,
    );
    // Validate first, so that a bad config fails with its message and nothing else.
    const cfg = parseStackConfig(config, (key) => secretKeys.includes(key), locate);
    // The program reads the infra stack's outputs through a StackReference named in its config.
    const {
        stackOutputs,
        name: infraName,
        placeholdersFrom,
    } = infraStackOutputs(projectDir, (cfg as { infraStack?: string }).infraStack, opts);

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(path.join(projectDir, "index")) as () => unknown;
    let result: RunResult;
    try {
        result = await runProgram(program, { stack: opts.stack, config, secretKeys, stackOutputs });
    } catch (caught) {
        // A config problem the program finds (against the infra outputs) points at the file too.
        const e = caught instanceof ConfigError ? describedError(caught, config, locate) : caught;
        // The apps config is valid (parsed above): what fails is a check against the infra outputs,
        // which here are placeholders from the infra settings file, not a deployed infra stack.
        if (placeholdersFrom && (e instanceof ConfigError || e instanceof ProgramError)) {
            const shown = path.relative(process.cwd(), placeholdersFrom) || placeholdersFrom;
            throw new PlaceholderError(
                `${e.message}\n(no --infra-outputs: the infra stack "${infraName ?? ""}" above stands for placeholder outputs built from ${shown}; add what is missing there, or render against real outputs with --infra-outputs)`,
            );
        }
        throw e;
    }
    return {
        files: renderFiles(result),
        result,
        notes: [...budgetNote(cfg), ...supportNotes(cfg, opts.today ?? new Date())],
    };
}

/** The render's files (relative path → content) for a run of the program. */
export function renderFiles(result: RunResult): Record<string, string> {
    const regs = result.registrations;
    return {
        "manifests.yaml": manifests(regs),
        ...releases(regs),
        "resources.json": resourcesJson(regs),
        "graph.mmd": graph(regs),
        "outputs.json": `${JSON.stringify(sortKeys(redact(result.outputs)), null, 2)}\n`,
    };
}

async function main(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            config: { type: "string" },
            overlay: { type: "string", multiple: true },
            out: { type: "string" },
            "infra-outputs": { type: "string" },
            "infra-config": { type: "string" },
            today: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
    });
    const stack = positionals[0];
    if (values.help || !stack || positionals.length > 1) {
        console.error(
            "usage: npm run render -- <stack> [--config <file>] [--overlay <file>]... [--out <dir>] [--infra-outputs <json file> | --infra-config <infra settings file>] [--today YYYY-MM-DD]",
        );
        return values.help ? 0 : 2;
    }
    const today = values.today ? new Date(`${values.today}T00:00:00Z`) : undefined;
    if (today && Number.isNaN(today.getTime())) {
        console.error(`render: --today ${values.today} is not a date (YYYY-MM-DD)`);
        return 2;
    }
    const infraOutputs = values["infra-outputs"]
        ? (JSON.parse(fs.readFileSync(values["infra-outputs"], "utf8")) as Record<string, unknown>)
        : undefined;
    const configFile = values.config ?? `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(configFile)) {
        console.error(`render: no stack settings file ${configFile} (pass --config <file>)`);
        return 2;
    }
    const overlays = (values.overlay ?? []).map((file) => path.resolve(file));
    const missing = overlays.find((file) => !fs.existsSync(file));
    if (missing) {
        console.error(`render: no overlay file ${path.relative(process.cwd(), missing)}`);
        return 2;
    }
    const infraConfigFile = values["infra-config"]
        ? path.resolve(values["infra-config"])
        : undefined;
    const { files, notes } = await render({
        stack,
        configFile: path.resolve(configFile),
        overlays,
        infraOutputs,
        infraConfigFile,
        ...(today ? { today } : {}),
    });
    const leaks = findLeaks(files);
    if (leaks.length > 0) {
        console.error(`render: secret values leaked into the output:\n  ${leaks.join("\n  ")}`);
        return 1;
    }
    const out = path.resolve(values.out ?? path.join("render", stack));
    fs.rmSync(out, { recursive: true, force: true });
    for (const [file, content] of Object.entries(files)) {
        const target = path.join(out, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
    }
    console.log(
        `rendered stack ${stack} to ${path.relative(process.cwd(), out) || "."}: ${Object.keys(files).sort().join(", ")}`,
    );
    for (const note of notes ?? []) console.log(note);
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            if (
                err instanceof ConfigError ||
                err instanceof StackFileError ||
                err instanceof PlaceholderError
            )
                console.error(err.message);
            else if (err instanceof ProgramError)
                console.error(`render: the program failed:\n${err.message}`);
            else console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
            process.exit(1);
        },
    );
}
