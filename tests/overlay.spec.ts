/**
 * Stack overlays (scripts/overlay.ts): an example holds only what it adds and is merged onto the
 * stack's own settings by the render (`--overlay`), or written into the stack file by
 * `npm run apply-overlay` keeping the file's comments. Errors name the file the key is written in.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { ConfigError } from "../components/config";
import { parseStackConfig, StackFileError } from "../components/stack-file";
import { applyOverlayText, mergeSettings } from "../scripts/overlay";
import { loadStackConfig } from "../scripts/render";
import { PROJECT_DIR } from "./mocks";

const PROJECT = path.join(PROJECT_DIR, "Pulumi.yaml");
const STACK = path.join(PROJECT_DIR, "Pulumi.infra.yaml");
const EXAMPLE = path.join(PROJECT_DIR, "examples", "restore-drill.yaml");

describe("stack overlays", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-overlay-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const write = (name: string, text: string) => {
        const file = path.join(tmp, name);
        fs.writeFileSync(file, text);
        return file;
    };

    it("merges maps key by key; a value, a list or a secure value replaces", () => {
        const base = {
            "platform:postgres": { instances: 3, admin: { host: "127.0.0.1", port: 15432 } },
            "platform:tenants": [{ name: "harbor" }, { name: "gitlab" }],
            "platform:kubeconfig": { secure: "v1:old" },
        };
        const before = structuredClone(base);
        const merged = mergeSettings(base, {
            "platform:postgres": { admin: { port: 5432 }, recovery: { name: "drill" } },
            "platform:tenants": [{ name: "wiki" }],
            "platform:kubeconfig": { secure: "v1:new" },
        });
        assert.deepEqual(merged, {
            "platform:postgres": {
                instances: 3,
                admin: { host: "127.0.0.1", port: 5432 },
                recovery: { name: "drill" },
            },
            "platform:tenants": [{ name: "wiki" }],
            "platform:kubeconfig": { secure: "v1:new" },
        });
        assert.deepEqual(base, before);
    });

    describe("apply-overlay on the committed infra stack file", () => {
        const stackText = fs.readFileSync(STACK, "utf8");
        const applied = applyOverlayText(
            STACK,
            stackText,
            EXAMPLE,
            fs.readFileSync(EXAMPLE, "utf8"),
        );

        it("only adds lines: every line of the stack file, comments included, stays in order", () => {
            const lines = applied.split("\n");
            let at = 0;
            for (const line of stackText.split("\n")) {
                const found = lines.indexOf(line, at);
                assert.ok(found >= 0, `line lost or moved: ${JSON.stringify(line)}`);
                at = found + 1;
            }
            assert.ok(applied.includes("    # The drill: a new cluster restored from"));
            assert.ok(applied.length > stackText.length);
        });

        it("writes what the render merges, and applying it again changes nothing", () => {
            const file = write("Pulumi.infra.yaml", applied);
            assert.deepEqual(
                loadStackConfig(PROJECT, file).config,
                loadStackConfig(PROJECT, STACK, [EXAMPLE]).config,
            );
            assert.equal(
                applyOverlayText(file, applied, EXAMPLE, fs.readFileSync(EXAMPLE, "utf8")),
                applied,
            );
        });
    });

    describe("errors name the file the key is written in", () => {
        const base = YAML.parse(fs.readFileSync(STACK, "utf8")) as {
            config: Record<string, unknown>;
        };
        const errorFor = (stack: string, overlay: string): string => {
            try {
                const { config, secretKeys, locate } = loadStackConfig(PROJECT, stack, [overlay]);
                parseStackConfig(config, (k) => secretKeys.includes(k), locate);
            } catch (e) {
                assert.ok(e instanceof ConfigError || e instanceof StackFileError, String(e));
                return e.message.replaceAll(tmp, "<tmp>");
            }
            return "";
        };

        it("a bad value in the overlay: the overlay's line", () => {
            const overlay = write(
                "drill.yaml",
                "config:\n  platform:postgres:\n    recovery:\n      name: drill\n      instances: 0\n",
            );
            assert.equal(
                errorFor(STACK, overlay),
                "invalid configuration (1 problem):\n  - <tmp>/drill.yaml:5:7: platform:postgres.recovery.instances = 0: must be a whole number from 1 to 9",
            );
        });

        it("a bad value the overlay does not touch: the stack file's line", () => {
            const settings = structuredClone(base);
            (settings.config["platform:postgres"] as Record<string, unknown>).instances = 0;
            const stack = write("Pulumi.infra.yaml", YAML.stringify(settings));
            const line = YAML.stringify(settings)
                .split("\n")
                .findIndex((l) => l === "    instances: 0");
            assert.equal(
                errorFor(stack, EXAMPLE),
                `invalid configuration (1 problem):\n  - <tmp>/Pulumi.infra.yaml:${line + 1}:5: platform:postgres.instances = 0: must be a whole number from 1 to 9`,
            );
        });

        it("an overlay that is not YAML: its file, line and column", () => {
            const overlay = write("broken.yaml", "config:\n  platform:postgres: [\n");
            assert.match(errorFor(STACK, overlay), /^<tmp>\/broken\.yaml:3:1: /);
        });
    });
});
