/**
 * Offline render: `npm run render -- <stack> [--config <file>] [--out <dir>] [--infra-outputs <json>]`
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
import { ConfigError } from "../components/config";
import {
    parseStackConfig,
    parseYamlFile,
    readStackSettings,
    StackFileError,
} from "../components/stack-file";
import {
    ProgramError,
    redact,
    runProgram,
    SECRET_PREFIX,
    type Registration,
    type RunResult,
} from "./mock-runtime";

export interface RenderOptions {
    stack: string;
    /** Stack settings file; default Pulumi.<stack>.yaml beside Pulumi.yaml. */
    configFile?: string;
    /** Project directory holding Pulumi.yaml. */
    projectDir?: string;
    /** Outputs of the infra stack for the apps stack's StackReference. */
    infraOutputs?: Record<string, unknown>;
}

export interface RenderedFiles {
    /** Relative path → file content. */
    files: Record<string, string>;
    result: RunResult;
}

/**
 * Flattens a stack settings file into the config map Pulumi hands a program, applying the
 * project's defaults from Pulumi.yaml. Secure values become `render-secret-config-<key>` and are
 * reported as secret keys.
 */
export function loadStackConfig(
    projectFile: string,
    stackFile: string,
): { config: Record<string, string>; secretKeys: string[] } {
    const project = parseYamlFile(projectFile, fs.readFileSync(projectFile, "utf8")) as {
        name: string;
        config?: Record<string, unknown>;
    };
    const stack = { config: readStackSettings(stackFile, fs.readFileSync(stackFile, "utf8")) };
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
    return { config, secretKeys };
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
    const objects = regs
        .filter(isKubernetesObject)
        .map((r) => redact(r.inputs) as Record<string, unknown>);
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
            inputs: sortKeys(redact(withoutProviderCode(r.inputs))),
        }));
    return `${JSON.stringify(rows, null, 2)}\n`;
}

function graph(regs: Registration[]): string {
    const sorted = [...regs]
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .sort((a, b) => ref(a).localeCompare(ref(b)));
    const ids = new Map(sorted.map((r, i) => [ref(r), `r${i}`]));
    const lines = ["flowchart LR"];
    for (const r of sorted) {
        const shape = r.custom ? [`["`, `"]`] : [`(["`, `"])`];
        lines.push(
            `  ${ids.get(ref(r)) ?? ""}${shape[0] ?? ""}${r.type.replace(/"/g, "'")}<br/>${r.name}${shape[1] ?? ""}`,
        );
    }
    for (const r of sorted) {
        for (const dep of r.dependencies) {
            const from = ids.get(dep);
            if (from) lines.push(`  ${from} --> ${ids.get(ref(r)) ?? ""}`);
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

/**
 * Placeholders for the infra stack's outputs when the apps stack renders without them. They mirror
 * what `buildInfra` exports for the committed Pulumi.infra.yaml (tenants.<name> = {host, port,
 * role, databases, poolMode, item, password, global, service, namespace, sslmode}; harbor.hostname).
 * Passwords are `render-secret-` text so that a leak is caught like any generated secret.
 */
const placeholderTenant = (
    name: string,
    role: string,
    databases: string[],
    poolMode: string,
    global: boolean,
) => ({
    host: `${name}-pooler.cnpg-system.svc`,
    port: 5432,
    role,
    databases,
    poolMode,
    item: `kubernetes/infra/cloudnative-pg/${name}`,
    password: `${SECRET_PREFIX}infra-tenant-${name}-password`,
    global,
    service: `${name}-pooler`,
    namespace: "cnpg-system",
    sslmode: "require",
});

export const INFRA_OUTPUT_PLACEHOLDERS: Record<string, unknown> = {
    role: "infra",
    tenants: {
        harbor: placeholderTenant("harbor", "harbor_app", ["harbor_registry"], "session", false),
        gitlab: placeholderTenant(
            "gitlab",
            "gitlab_app",
            ["gitlabhq_production"],
            "transaction",
            true,
        ),
        keycloak: placeholderTenant("keycloak", "keycloak", ["keycloak"], "session", false),
    },
    harbor: { hostname: "harbor.monosense.io" },
    // The seed's platform:harborProjects on infra (Pulumi.infra.yaml): projects and their robots' items.
    harborProjects: {
        projects: ["synergyflow", "kubekloud"],
        robotItems: {
            "synergyflow/synergyflow-puller": "harbor-robot-synergyflow",
            "kubekloud/kubekloud-puller": "harbor-robot-kubekloud",
        },
    },
};

export async function render(opts: RenderOptions): Promise<RenderedFiles> {
    const projectDir = opts.projectDir ?? path.resolve(__dirname, "..");
    const stackFile = opts.configFile ?? path.join(projectDir, `Pulumi.${opts.stack}.yaml`);
    const { config, secretKeys } = loadStackConfig(path.join(projectDir, "Pulumi.yaml"), stackFile);
    // Validate first, so that a bad config fails with its message and nothing else.
    const cfg = parseStackConfig(config, (key) => secretKeys.includes(key));
    // The program reads the infra stack's outputs through a StackReference named in its config.
    const stackOutputs: Record<string, Record<string, unknown>> = {};
    const infraRef = (cfg as { infraStack?: string }).infraStack;
    if (infraRef) stackOutputs[infraRef] = opts.infraOutputs ?? INFRA_OUTPUT_PLACEHOLDERS;

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(path.join(projectDir, "index")) as () => unknown;
    const result = await runProgram(program, {
        stack: opts.stack,
        config,
        secretKeys,
        stackOutputs,
    });
    const regs = result.registrations;
    const files: Record<string, string> = {
        "manifests.yaml": manifests(regs),
        ...releases(regs),
        "resources.json": resourcesJson(regs),
        "graph.mmd": graph(regs),
        "outputs.json": `${JSON.stringify(sortKeys(redact(result.outputs)), null, 2)}\n`,
    };
    return { files, result };
}

async function main(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            config: { type: "string" },
            out: { type: "string" },
            "infra-outputs": { type: "string" },
            help: { type: "boolean", short: "h" },
        },
    });
    const stack = positionals[0];
    if (values.help || !stack || positionals.length > 1) {
        console.error(
            "usage: npm run render -- <stack> [--config <file>] [--out <dir>] [--infra-outputs <json file>]",
        );
        return values.help ? 0 : 2;
    }
    const infraOutputs = values["infra-outputs"]
        ? (JSON.parse(fs.readFileSync(values["infra-outputs"], "utf8")) as Record<string, unknown>)
        : undefined;
    const configFile = values.config ?? `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(configFile)) {
        console.error(`render: no stack settings file ${configFile} (pass --config <file>)`);
        return 2;
    }
    const { files } = await render({ stack, configFile: path.resolve(configFile), infraOutputs });
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
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            if (err instanceof ConfigError || err instanceof StackFileError)
                console.error(err.message);
            else if (err instanceof ProgramError)
                console.error(`render: the program failed:\n${err.message}`);
            else console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
            process.exit(1);
        },
    );
}
