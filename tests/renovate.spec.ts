/**
 * Renovate's custom managers (.github/renovate.json5) find every pin: each chart `version:` and
 * `imageName:` in the stack files, each pin of the versions table and each default image the
 * config declares, with the dependency name Renovate looks up. A pin added without a matcher
 * fails here. The config's validity is Renovate's own validator's (`npm run lint:renovate`).
 *
 * Renovate (lib/modules/manager/custom/regex) compiles each matchString as a regular expression
 * with the `g` flag and reads the named groups depName, currentValue, datasource, registryUrl;
 * managerFilePatterns between slashes are regular expressions on the repository-relative path.
 * The file is JSON5 written as plain JSON, so JSON.parse reads it.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { VERSIONS } from "../components/versions/table";
import { PROJECT_DIR } from "./mocks";

interface CustomManager {
    managerFilePatterns: string[];
    matchStrings: string[];
    datasourceTemplate?: string;
}

interface Found {
    file: string;
    depName: string;
    currentValue: string;
    datasource: string;
}

const config = JSON.parse(
    fs.readFileSync(path.join(PROJECT_DIR, ".github", "renovate.json5"), "utf8"),
) as { customManagers: CustomManager[] };

const slashRegex = (p: string) => new RegExp(/^\/(.*)\/$/.exec(p)?.[1] ?? `^${p}$`);

/** Repository files the managers may read (what git tracks there; render/ and node_modules aside). */
function candidateFiles(): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(PROJECT_DIR, rel), { withFileTypes: true })) {
            const p = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory()) {
                if (!["node_modules", "render", ".git"].includes(e.name)) walk(p);
            } else out.push(p);
        }
    };
    for (const d of ["components", "examples", "tests/fixtures/stacks"]) walk(d);
    out.push(...fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f)));
    return out;
}

function found(): Found[] {
    const out: Found[] = [];
    const files = candidateFiles();
    for (const m of config.customManagers) {
        const patterns = m.managerFilePatterns.map(slashRegex);
        for (const file of files.filter((f) => patterns.some((p) => p.test(f)))) {
            const text = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
            for (const s of m.matchStrings) {
                for (const hit of text.matchAll(new RegExp(s, "g"))) {
                    const g = hit.groups ?? {};
                    out.push({
                        file,
                        depName: g.depName ?? "",
                        currentValue: g.currentValue ?? "",
                        datasource: g.datasource ?? m.datasourceTemplate ?? "",
                    });
                }
            }
        }
    }
    return out;
}

/** Every pin written in a stack file: `chart.version` under a section, and every `imageName`. */
function stackFilePins(file: string): { key: string; value: string }[] {
    const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8")) as {
        config: Record<string, unknown>;
    };
    const out: { key: string; value: string }[] = [];
    const walk = (v: unknown, at: string) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
        else if (v && typeof v === "object") {
            for (const [k, x] of Object.entries(v)) {
                const key = at ? `${at}.${k}` : k;
                if ((k === "version" && at.endsWith(".chart")) || k === "imageName") {
                    out.push({ key, value: String(x) });
                } else walk(x, key);
            }
        }
    };
    walk(doc.config, "");
    return out;
}

/** The dependency each stack-file key names (what Renovate must look up for it). */
function expectedDep(key: string, value: string): string {
    if (key.endsWith("imageName")) return value.split(":")[0] ?? "";
    if (key.includes("barmanCloudPlugin.chart")) return "plugin-barman-cloud";
    if (key.startsWith("platform:cnpg.chart")) return "cloudnative-pg";
    if (key.startsWith("platform:harbor.chart")) return "harbor";
    if (key.startsWith("platform:dragonfly.operator.chart"))
        return "ghcr.io/dragonflydb/dragonfly-operator/helm/dragonfly-operator";
    throw new Error(`no dependency known for ${key}`);
}

describe("Renovate custom managers", () => {
    const hits = found();
    const stackFiles = candidateFiles().filter((f) =>
        /(^|\/)Pulumi\.[^/]+\.yaml$|^examples\/.+\.yaml$/.test(f),
    );

    it("reads the stack files Renovate updates (committed, example and fixture settings)", () => {
        assert.deepEqual(stackFiles.sort(), [
            "Pulumi.apps.yaml",
            "Pulumi.infra.yaml",
            "examples/restore-drill.yaml",
            "tests/fixtures/stacks/Pulumi.apps.yaml",
            "tests/fixtures/stacks/Pulumi.infra.yaml",
        ]);
    });

    it("find every chart version and image in the stack files, under the right dependency", () => {
        for (const file of stackFiles) {
            const pins = stackFilePins(file);
            // An example is an overlay: it holds only what it adds, usually no pin.
            if (!file.startsWith("examples/")) assert.ok(pins.length > 0, `${file}: no pins read`);
            for (const pin of pins) {
                const value = pin.key.endsWith("imageName")
                    ? (pin.value.split(":")[1] ?? "")
                    : pin.value;
                const hit = hits.find(
                    (h) =>
                        h.file === file &&
                        h.currentValue === value &&
                        h.depName === expectedDep(pin.key, pin.value),
                );
                assert.ok(hit, `${file}: no Renovate manager finds ${pin.key} = ${pin.value}`);
            }
        }
    });

    it("find every pin of the versions table, with its datasource", () => {
        for (const c of Object.values(VERSIONS)) {
            const hit = hits.find(
                (h) => h.file === "components/versions/table.ts" && h.currentValue === c.pin,
            );
            assert.ok(
                hit,
                `components/versions/table.ts: no Renovate manager finds ${c.id}'s pin ${c.pin}`,
            );
            assert.equal(
                hit.datasource,
                c.id === "postgres" || c.id === "dragonflyOperator" ? "docker" : "helm",
            );
            if (c.release && c.id !== "dragonflyOperator") assert.equal(hit.depName, c.release);
        }
    });

    it("find every default image the config declares", () => {
        const declared: string[] = [];
        for (const file of candidateFiles().filter(
            (f) => f.startsWith("components/") && f.endsWith(".ts"),
        )) {
            const text = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
            for (const m of text.matchAll(/export const ([A-Z_]+_IMAGE) =\s*"([^"]+)"/g))
                declared.push(`${file} ${m[2]}`);
        }
        assert.ok(declared.length >= 2, declared.join(", "));
        for (const d of declared) {
            const [file, image] = d.split(" ") as [string, string];
            assert.ok(
                hits.some(
                    (h) =>
                        h.file === file &&
                        `${h.depName}:${h.currentValue}` === image &&
                        h.datasource === "docker",
                ),
                `${file}: no Renovate manager finds ${image}`,
            );
        }
    });

    it("a pin written without its renovate comment is not found (the managers match no bare version)", () => {
        const m = config.customManagers[0]!;
        const bare =
            "    chart:\n      version: 0.29.0\n      repository: https://cloudnative-pg.github.io/charts\n";
        assert.equal([...bare.matchAll(new RegExp(m.matchStrings[0]!, "g"))].length, 0);
    });
});
