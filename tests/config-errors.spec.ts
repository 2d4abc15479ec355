/**
 * Every wrong config gets one clear error: rows of (stack file content, or one edit of this spec's
 * own fixture stacks in tests/fixtures/config-errors) → the exact error text, which starts with
 * the `<file>:<line>:<column>` of the key. Each row runs the render's parse path
 * (scripts/render.ts loadStackConfig → components/stack-file.ts parseStackConfig, which index.ts
 * runs on pulumi.runtime.allConfig() with the key path as the only pointer) and no program.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ConfigError } from "../components/config";
import { checkAgainstInfra, parseInfraOutputs } from "../components/apps/infra";
import {
    describedError,
    engineIsSecret,
    parseStackConfig,
    StackFileError,
} from "../components/stack-file";
import { loadStackConfig } from "../scripts/render";
import { ALLOWED_ROWS } from "./config-errors/allowed";
import { APPLICATION_ROWS } from "./config-errors/applications";
import { CIDR_ROWS } from "./config-errors/cidrs";
import { FILE_ROWS } from "./config-errors/file";
import { HARBOR_ROWS } from "./config-errors/harbor";
import { INFRA_OUTPUTS, INFRA_ROWS } from "./config-errors/infra-outputs";
import { KEY_ROWS } from "./config-errors/keys";
import { MESSAGE_ROWS } from "./config-errors/messages";
import { POSTGRES_ROWS } from "./config-errors/postgres";
import { QUANTITY_ROWS } from "./config-errors/quantities";
import type { Obj, Row, Settings, Stack } from "./config-errors/rows";
import { STACK_ROWS } from "./config-errors/stack";

const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");
const FIXTURES = path.join(__dirname, "fixtures", "config-errors");
const fixture = (stack: Stack): Settings =>
    (
        YAML.parse(fs.readFileSync(path.join(FIXTURES, `${stack}.yaml`), "utf8")) as {
            config: Settings;
        }
    ).config;

const FIXTURE_FILE = (stack: Stack) => path.join(FIXTURES, `${stack}.yaml`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-config-errors-"));
const FILE = path.join(tmp, "Pulumi.test.yaml");

/** The error the render (and the program) reports for this stack file, or "" when it is valid. */
function errorFor(text: string): string {
    fs.writeFileSync(FILE, text);
    try {
        const { config, secretKeys, locate } = loadStackConfig(PROJECT_FILE, FILE);
        parseStackConfig(config, (key) => secretKeys.includes(key), locate);
    } catch (e) {
        assert.ok(
            e instanceof ConfigError || e instanceof StackFileError,
            `expected a ConfigError or StackFileError, got ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        );
        return e.message;
    }
    return "";
}

function edited(stack: Stack, edit: (s: Settings) => void): string {
    const s = structuredClone(fixture(stack));
    edit(s);
    return YAML.stringify({ config: s });
}

/** The table, one module per area under tests/config-errors/. */
const ROWS: Row[] = [
    ...QUANTITY_ROWS,
    ...CIDR_ROWS,
    ...HARBOR_ROWS,
    ...MESSAGE_ROWS,
    ...FILE_ROWS,
    ...KEY_ROWS,
    ...POSTGRES_ROWS,
    ...APPLICATION_ROWS,
    ...STACK_ROWS,
    ...ALLOWED_ROWS,
];

describe("config errors (one clear message per mistake)", () => {
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    for (const stack of ["infra", "apps"] as const) {
        it(`accepts the spec's own ${stack} fixture`, () => {
            assert.equal(errorFor(edited(stack, () => undefined)), "");
        });
    }

    // The program (index.ts) runs the same checks on pulumi.runtime.allConfig(), asking the engine
    // which keys are secret: runtime/config.js isConfigSecret of @pulumi/pulumi 3.270.0 reads the
    // secret keys the engine passes with the config.
    it("the program asks the engine which config keys are secret", () => {
        const kubeconfig = "apiVersion: v1\nclusters: []\n";
        const config = { ...loadStackConfig(PROJECT_FILE, FIXTURE_FILE("infra")).config };
        config["platform:kubeconfig"] = kubeconfig;
        const saved = pulumi.runtime.allConfig();
        try {
            pulumi.runtime.setAllConfig(config, ["platform:kubeconfig"]);
            assert.equal(engineIsSecret("platform:kubeconfig"), true);
            parseStackConfig(pulumi.runtime.allConfig(), engineIsSecret);
            pulumi.runtime.setAllConfig(config, []);
            assert.equal(engineIsSecret("platform:kubeconfig"), false);
            assert.throws(
                () => parseStackConfig(pulumi.runtime.allConfig(), engineIsSecret),
                /platform:kubeconfig: holds a kubeconfig .* pulumi config set --secret platform:kubeconfig/,
            );
        } finally {
            pulumi.runtime.setAllConfig(saved, []);
        }
    });

    it("accepts the apps fixture against the infra outputs", () => {
        const { config } = loadStackConfig(PROJECT_FILE, FIXTURE_FILE("apps"));
        const cfg = parseStackConfig(config, () => false);
        assert.doesNotThrow(() => checkAgainstInfra(cfg, parseInfraOutputs(INFRA_OUTPUTS)));
    });

    for (const [title, edit, error] of INFRA_ROWS) {
        it(`apps against the infra outputs: ${title}`, () => {
            const settings = structuredClone(fixture("apps"));
            const infra = structuredClone(INFRA_OUTPUTS) as Obj;
            edit(settings, infra);
            fs.writeFileSync(FILE, YAML.stringify({ config: settings }));
            const { config, locate } = loadStackConfig(PROJECT_FILE, FILE);
            const cfg = parseStackConfig(config, () => false, locate);
            // As the render reports a config problem the program finds (scripts/render.ts).
            let message = "";
            try {
                checkAgainstInfra(cfg, parseInfraOutputs(infra));
            } catch (e) {
                assert.ok(e instanceof ConfigError, String(e));
                message = describedError(e, config, locate).message;
            }
            assert.equal(message.replaceAll(FILE, "<file>"), error);
        });
    }

    for (const [title, stack, input, error] of ROWS) {
        it(`${stack}: ${title}`, () => {
            const text = typeof input === "string" ? input : edited(stack, input);
            assert.equal(errorFor(text).replaceAll(FILE, "<file>"), error);
        });
    }

    // Read from a stack file, every problem starts with where it is written.
    it("every error of the table names its file, line and column", () => {
        const errors = [...ROWS.map((r) => r[3]), ...INFRA_ROWS.map((r) => r[2])];
        const problems = errors
            .filter((e) => e !== "")
            .flatMap((e) => e.split("\n").filter((l) => /^( {2}- |<file>)/.test(l)));
        assert.ok(problems.length >= ROWS.length);
        for (const line of problems) assert.match(line, /^( {2}- )?<file>:\d+:\d+: /);
    });
});
