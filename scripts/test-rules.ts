/**
 * The promtool tier of the alerts: `npm run test:rules` (needs promtool on PATH, Debian package
 * `prometheus`). Renders the infra stack from the committed config, takes the PrometheusRule
 * objects out of manifests.yaml, and in a temporary directory
 *   1. `promtool check rules` on their groups exactly as rendered;
 *   2. `promtool test rules` with the cases of tests/promtool/cases.ts, against the same groups
 *      without annotations (promtool compares expanded annotations verbatim; the templates are
 *      checked in 1, the runbook links by tests/alerts.spec.ts).
 * Fails as well when an alert has no case that fires or none that stays silent.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { render } from "./render";
import { CASES } from "../tests/promtool/cases";

interface Rule {
    alert: string;
    annotations?: unknown;
}

function promtool(args: string[], cwd: string): void {
    const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    if (r.error)
        throw new Error(`promtool: ${r.error.message} (install Debian package "prometheus")`);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.status !== 0) throw new Error(`promtool ${args.join(" ")} exited with ${r.status}`);
}

async function main(): Promise<void> {
    const { files } = await render({ stack: "infra" });
    const groups: { name: string; rules: Rule[] }[] = [];
    for (const doc of YAML.parseAllDocuments(files["manifests.yaml"] ?? "")) {
        const obj = doc.toJS() as { kind?: string; spec?: { groups: typeof groups } };
        if (obj.kind === "PrometheusRule") groups.push(...(obj.spec?.groups ?? []));
    }
    if (groups.length === 0) throw new Error("the infra render has no PrometheusRule");

    const alerts = new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)));
    const missing: string[] = [];
    for (const alert of alerts) {
        const cases = CASES.filter((c) => c.alert === alert);
        if (!cases.some((c) => c.expect.length > 0)) missing.push(`${alert}: no case that fires`);
        if (!cases.some((c) => c.expect.length === 0)) missing.push(`${alert}: no silent case`);
    }
    for (const c of CASES) {
        if (!alerts.has(c.alert)) missing.push(`case "${c.name}": no alert ${c.alert} rendered`);
    }
    if (missing.length > 0)
        throw new Error(`promtool cases incomplete:\n  ${missing.join("\n  ")}`);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-rules-"));
    fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups }));
    const bare = groups.map((g) => ({
        ...g,
        rules: g.rules.map((r) => ({ ...r, annotations: undefined })),
    }));
    fs.writeFileSync(path.join(dir, "rules-bare.yaml"), YAML.stringify({ groups: bare }));
    const tests = {
        rule_files: ["rules-bare.yaml"],
        evaluation_interval: "1m",
        tests: CASES.map((c) => ({
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
    console.log(`${CASES.length} promtool cases passed for ${alerts.size} alerts (${dir})`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
