/**
 * The one mocks helper: runs the real program (index.ts) under Pulumi's mock runtime with a given
 * config and returns every registration, with lookups that make assertions short. The machinery
 * is scripts/mock-runtime.ts, shared with the offline render.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { ConfigError, formatProblem, parseConfig } from "../components/config";
import { readStackSettings } from "../components/stack-file";
import { loadStackConfig, render, type RenderedFiles } from "../scripts/render";
import {
    runProgram,
    unwrap,
    isSecretMarker,
    type Registration,
    type RunResult,
} from "../scripts/mock-runtime";

export { unwrap, isSecretMarker, SECRET_PREFIX, redact } from "../scripts/mock-runtime";
export type { Registration } from "../scripts/mock-runtime";

export const PROJECT_DIR = path.resolve(__dirname, "..");

/**
 * The behaviour specs' stack settings: tests/fixtures/stacks/Pulumi.<stack>.yaml, a copy of the
 * seed stacks that only the specs change. The committed Pulumi.<stack>.yaml are the users' to edit;
 * tests/committed-stacks.spec.ts checks only that they are valid, render, and keep what the seeds fix.
 */
export const FIXTURE_DIR = path.join(PROJECT_DIR, "tests", "fixtures", "stacks");

/** The fixture settings file of a stack. */
export function fixtureFile(stack: string): string {
    return path.join(FIXTURE_DIR, `Pulumi.${stack}.yaml`);
}

/** The fixture stack settings as the flat config map Pulumi would hand the program. */
export function fixtureConfig(stack: string): Record<string, string> {
    return loadStackConfig(path.join(PROJECT_DIR, "Pulumi.yaml"), fixtureFile(stack)).config;
}

/** The fixture stack settings file as an object (`config:` block), for tests that modify one key. */
export function fixtureSettings(stack: string): Record<string, unknown> {
    const file = fixtureFile(stack);
    return readStackSettings(file, fs.readFileSync(file, "utf8"));
}

/**
 * The infra fixture without Harbor and Dragonfly, with room for the tenants a spec adds whatever
 * the fixture's budget is: a small, fast render for the plan-diff specs.
 */
export function smallInfraSettings(): Record<string, any> {
    const s = structuredClone(fixtureSettings("infra")) as Record<string, any>;
    delete s["platform:harbor"];
    delete s["platform:harborProjects"];
    delete s["platform:dragonfly"];
    s["platform:postgres"].maxConnections = 1000;
    return s;
}

/** The committed Pulumi.<stack>.yaml as the flat config map (tests of the committed configs only). */
export function committedConfig(stack: string): Record<string, string> {
    return loadStackConfig(
        path.join(PROJECT_DIR, "Pulumi.yaml"),
        path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`),
    ).config;
}

/** The committed Pulumi.<stack>.yaml's `config:` block (tests of the committed configs only). */
export function committedSettings(stack: string): Record<string, unknown> {
    const file = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
    return readStackSettings(file, fs.readFileSync(file, "utf8"));
}

/** Renders a stack's fixture settings (apps: placeholders from the infra fixture unless given). */
export function renderFixture(
    stack: string,
    infraOutputs?: Record<string, unknown>,
): Promise<RenderedFiles> {
    return render({
        stack,
        configFile: fixtureFile(stack),
        infraOutputs,
        infraConfigFile: fixtureFile("infra"),
    });
}

/** Flat config map from a settings object (`platform:key` → value), applying Pulumi.yaml defaults. */
export function toConfigMap(settings: Record<string, unknown>): Record<string, string> {
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "platform-")), "Pulumi.test.yaml");
    fs.writeFileSync(tmp, YAML.stringify({ config: settings }));
    return loadStackConfig(path.join(PROJECT_DIR, "Pulumi.yaml"), tmp).config;
}

export class Run {
    constructor(public readonly result: RunResult) {}

    get registrations(): Registration[] {
        return this.result.registrations;
    }

    /** All registrations of a type. */
    all(type: string): Registration[] {
        return this.registrations.filter((r) => r.type === type);
    }

    /** The one registration of `type` named `name`; throws (listing what exists) when absent. */
    get(type: string, name: string): Registration {
        const found = this.registrations.find((r) => r.type === type && r.name === name);
        if (!found) {
            const names = this.all(type).map((r) => r.name);
            throw new Error(`no ${type} named ${name}; registered: ${names.join(", ") || "none"}`);
        }
        return found;
    }

    has(type: string, name: string): boolean {
        return this.registrations.some((r) => r.type === type && r.name === name);
    }

    /** Plain inputs of a registration (secret markers removed). */
    inputs(type: string, name: string): Record<string, unknown> {
        return unwrap(this.get(type, name).inputs) as Record<string, unknown>;
    }

    /** Stack outputs, plain. */
    get outputs(): Record<string, unknown> {
        return unwrap(this.result.outputs) as Record<string, unknown>;
    }
}

/** Runs the program for `stack` with the given flat config map (default: the fixture settings). */
export async function runStack(
    stack: string,
    config: Record<string, string> = fixtureConfig(stack),
    stackOutputs: Record<string, Record<string, unknown>> = {},
    /** Outputs held as secrets, by stack name (see MockOptions.secretStackOutputs). */
    secretStackOutputs: Record<string, string[]> = {},
): Promise<Run> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(path.join(PROJECT_DIR, "index")) as () => unknown;
    return new Run(await runProgram(program, { stack, config, stackOutputs, secretStackOutputs }));
}

let fixtureInfra: Promise<{ render: RenderedFiles; run: Run }> | undefined;

function sharedFixtureInfra(): Promise<{ render: RenderedFiles; run: Run }> {
    fixtureInfra ??= renderFixture("infra").then((r) => ({
        render: r,
        run: new Run(r.result),
    }));
    return fixtureInfra;
}

/**
 * The offline render of the infra fixture settings, made once and shared by every spec that only
 * reads it: a run is plain recorded data, so sharing is safe and saves a program run per spec file.
 */
export async function fixtureInfraRender(): Promise<RenderedFiles> {
    return (await sharedFixtureInfra()).render;
}

/** The run of the infra fixture settings: the same shared run as `fixtureInfraRender`. */
export async function fixtureInfraRun(): Promise<Run> {
    return (await sharedFixtureInfra()).run;
}

/** Every path inside `value` whose string contains `needle` outside a secret marker. */
export function plainOccurrences(value: unknown, needle: string, at = ""): string[] {
    if (isSecretMarker(value)) return [];
    if (typeof value === "string") return value.includes(needle) ? [at || "(root)"] : [];
    if (Array.isArray(value))
        return value.flatMap((v, i) => plainOccurrences(v, needle, `${at}[${i}]`));
    if (value && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
            plainOccurrences(v, needle, at ? `${at}.${k}` : k),
        );
    }
    return [];
}

/**
 * The problems `parseConfig` reports for `config`, each as the error lists it (without the
 * leading "  - "), or [] when it is valid. Anything other than a ConfigError is rethrown.
 */
export function configProblems(config: Record<string, string>): string[] {
    try {
        parseConfig(config);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems.map(formatProblem);
        throw e;
    }
    return [];
}
