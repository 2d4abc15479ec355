/**
 * The promtool tier of the alerts: `npm run test:rules` (needs promtool on PATH, Debian package
 * `prometheus`). For each suite (a render of a stack config) takes the PrometheusRule objects out
 * of manifests.yaml, and in a temporary directory
 *   1. `promtool check rules` on their groups exactly as rendered;
 *   2. `promtool test rules` with the suite's cases (tests/promtool/cases.ts), against the same
 *      groups without annotations (promtool compares expanded annotations verbatim; the templates
 *      are checked in 1, the runbook links by tests/alerts.spec.ts).
 * Fails as well when an alert of a suite has no case that fires or none that stays silent.
 *
 * Suites: `infra`, the committed Pulumi.infra.yaml (Barman Cloud plugin); `infra-in-tree`, the
 * same with cnpg.barmanCloudPlugin.enabled false (its backup rules only); `apps`, the committed Pulumi.apps.yaml with the
 * render's placeholder infra outputs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { render } from "./render";
import { CASES, type Suite } from "../tests/promtool/cases";

interface Rule {
    alert: string;
    annotations?: unknown;
}

const PROJECT = path.resolve(__dirname, "..");

function inTreeConfig(dir: string): string {
    const file = path.join(PROJECT, "Pulumi.infra.yaml");
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) as {
        config: { "platform:cnpg": { barmanCloudPlugin: { enabled: boolean } } };
    };
    doc.config["platform:cnpg"].barmanCloudPlugin.enabled = false;
    const out = path.join(dir, "Pulumi.infra-in-tree.yaml");
    fs.writeFileSync(out, YAML.stringify(doc));
    return out;
}

interface SuiteSpec {
    render: (dir: string) => ReturnType<typeof render>;
    /** The rule groups the suite tests (default all). */
    groups?: (name: string) => boolean;
}

const SUITES: Record<Suite, SuiteSpec> = {
    infra: { render: () => render({ stack: "infra" }) },
    // Only the backup rules differ from the plugin's.
    "infra-in-tree": {
        render: (dir) => render({ stack: "infra", configFile: inTreeConfig(dir) }),
        groups: (name) => name.endsWith("-backups"),
    },
    apps: { render: () => render({ stack: "apps" }) },
};

function promtool(args: string[], cwd: string): void {
    const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    if (r.error)
        throw new Error(`promtool: ${r.error.message} (install Debian package "prometheus")`);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.status !== 0) throw new Error(`promtool ${args.join(" ")} exited with ${r.status}`);
}

async function runSuite(suite: Suite, root: string): Promise<string[]> {
    const dir = path.join(root, suite);
    fs.mkdirSync(dir);
    const spec = SUITES[suite];
    const { files } = await spec.render(dir);
    const groups: { name: string; rules: Rule[] }[] = [];
    for (const doc of YAML.parseAllDocuments(files["manifests.yaml"] ?? "")) {
        const obj = doc.toJS() as { kind?: string; spec?: { groups: typeof groups } };
        if (obj.kind === "PrometheusRule") groups.push(...(obj.spec?.groups ?? []));
    }
    if (spec.groups)
        groups.splice(0, groups.length, ...groups.filter((g) => spec.groups?.(g.name)));
    const cases = CASES.filter((c) => (c.suite ?? "infra") === suite);
    if (groups.length === 0) return [`suite ${suite}: the render has no PrometheusRule`];

    const alerts = new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)));
    const missing: string[] = [];
    for (const alert of alerts) {
        const mine = cases.filter((c) => c.alert === alert);
        if (!mine.some((c) => c.expect.length > 0)) missing.push(`${alert}: no case that fires`);
        if (!mine.some((c) => c.expect.length === 0)) missing.push(`${alert}: no silent case`);
    }
    for (const c of cases) {
        if (!alerts.has(c.alert)) missing.push(`case "${c.name}": no alert ${c.alert} rendered`);
    }
    if (missing.length > 0) return missing.map((m) => `suite ${suite}: ${m}`);

    fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups }));
    const bare = groups.map((g) => ({
        ...g,
        rules: g.rules.map((r) => ({ ...r, annotations: undefined })),
    }));
    fs.writeFileSync(path.join(dir, "rules-bare.yaml"), YAML.stringify({ groups: bare }));
    const tests = {
        rule_files: ["rules-bare.yaml"],
        evaluation_interval: "1m",
        tests: cases.map((c) => ({
            name: c.name,
            interval: c.interval ?? "1m",
            input_series: c.series,
            alert_rule_test: [
                {
                    eval_time: c.evalTime,
                    alertname: c.alert,
                    exp_alerts: c.expect.map((labels) => ({ exp_labels: labels })),
                },
            ],
        })),
    };
    fs.writeFileSync(path.join(dir, "tests.yaml"), YAML.stringify(tests));
    promtool(["check", "rules", "rules.yaml"], dir);
    promtool(["test", "rules", "tests.yaml"], dir);
    console.log(`suite ${suite}: ${cases.length} promtool cases passed for ${alerts.size} alerts`);
    return [];
}

async function main(): Promise<void> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-rules-"));
    const problems: string[] = [];
    for (const suite of Object.keys(SUITES) as Suite[]) {
        if (!CASES.some((c) => (c.suite ?? "infra") === suite)) continue;
        problems.push(...(await runSuite(suite, root)));
    }
    if (problems.length > 0)
        throw new Error(`promtool cases incomplete:\n  ${problems.join("\n  ")}`);
    console.log(`${CASES.length} promtool cases passed (${root})`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
