/**
 * The GitHub workflows: pinned actions, no credentials where a pull request runs untrusted,
 * the order and guards of the live jobs, and the linter that `.ci/run` runs on them.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { PROJECT_DIR } from "./mocks";

const WORKFLOWS = path.join(PROJECT_DIR, ".github", "workflows");
const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
const text = (f: string) => fs.readFileSync(path.join(WORKFLOWS, f), "utf8");
type Workflow = {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    concurrency?: unknown;
    jobs: Record<string, Record<string, any>>;
};
const load = (f: string) => YAML.parse(text(f)) as Workflow;
type Step = Record<string, any>;

/** What a workflow does that pull-request code must never get (empty when none). */
function trustProblems(f: string, wf: Workflow): string[] {
    const out: string[] = [];
    const fromPr = "pull_request" in wf.on || "pull_request_target" in wf.on;
    for (const [name, job] of Object.entries(wf.jobs)) {
        const where = `${f}/${name}`;
        const labels = ([] as string[]).concat(job["runs-on"] ?? []);
        const steps = (job.steps ?? []) as Step[];
        if (fromPr) {
            if (labels.includes("platform-deploy")) out.push(`${where}: on deploy runners`);
            if (["infra", "apps", "drift"].includes(String(job.environment)))
                out.push(`${where}: in the main-only environment ${String(job.environment)}`);
            // A token only behind the approved environment (the OIDC subject Pulumi trusts).
            if (job.permissions?.["id-token"] === "write" && job.environment !== "preview")
                out.push(`${where}: an OIDC token outside the environment preview`);
            for (const s of steps) {
                const scope = s.with?.scope as string | undefined;
                if (scope && scope !== "team:platform-preview")
                    out.push(`${where}: asks for ${scope}`);
                if (/pg-forward/.test(String(s.run ?? "")))
                    out.push(`${where}: opens the port-forward to PostgreSQL`);
            }
        } else if (labels.includes("platform-deploy")) {
            const mainOnly =
                JSON.stringify(wf.on.push) === JSON.stringify({ branches: ["main"] }) ||
                job.if === "github.ref == 'refs/heads/main'";
            if (!mainOnly) out.push(`${where}: deploy runners outside main`);
        }
    }
    return out;
}

/** Every job that asks GitHub for an OIDC token, with what it gets and where it runs. */
function credentialed() {
    const out: Record<string, unknown>[] = [];
    for (const f of files) {
        const wf = load(f);
        const trigger = Object.keys(wf.on)
            .map((k) => (k === "push" ? `push:${String((wf.on.push as any)?.branches)}` : k))
            .join(",");
        for (const [name, job] of Object.entries(wf.jobs)) {
            if (job.permissions?.["id-token"] !== "write") continue;
            const steps = job.steps as Step[];
            const labels = job["runs-on"] as string[];
            out.push({
                job: `${f}/${name}`,
                trigger,
                runner: labels.filter((l) => !["self-hosted", "linux"].includes(l)).join(","),
                environment: job.environment,
                team: steps.find((s) => String(s.uses).startsWith("pulumi/auth-actions@"))?.with
                    .scope,
                esc: steps.find((s) => String(s.uses).startsWith("pulumi/esc-action@"))?.with
                    .environment,
                group: job.concurrency?.group,
                cancel: job.concurrency?.["cancel-in-progress"],
            });
        }
    }
    return out.sort((a, b) => String(a.job).localeCompare(String(b.job)));
}
const validator = path.join(PROJECT_DIR, "node_modules", ".bin", "action-validator");

describe("GitHub workflows", () => {
    it("are the offline review, the live preview, the deploy and the drift check", () => {
        assert.deepEqual(files.sort(), ["deploy.yml", "drift.yml", "preview.yml", "review.yml"]);
    });

    it("pin every action by commit SHA with its version in a comment", () => {
        for (const f of files) {
            const uses = text(f)
                .split("\n")
                .filter((l) => /^\s*(-\s+)?uses:/.test(l));
            assert.ok(uses.length > 0, f);
            for (const l of uses) {
                assert.match(
                    l,
                    /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/,
                    `${f}: ${l.trim()}`,
                );
            }
        }
    });

    it("offline review: every pull request, hosted runners, no credentials, one sticky comment", () => {
        const wf = load("review.yml");
        assert.ok("pull_request" in wf.on);
        assert.ok(!("pull_request_target" in wf.on), "must not run fork code with write access");
        assert.doesNotMatch(text("review.yml"), /secrets\.|id-token/);
        assert.deepEqual(Object.keys(wf.jobs).sort(), ["ci", "review"]);
        // The whole of CI in its own job; the review renders only, so it posts whatever the
        // slow real-service tiers take (and needs nothing from them).
        const ci = (wf.jobs.ci!.steps as Step[]).map((s) => String(s.run ?? "")).join("\n");
        assert.match(ci, /^bash \.ci\/run$/m);
        const job = wf.jobs.review!;
        assert.equal(job.needs, undefined);
        assert.equal(job["runs-on"], "ubuntu-latest");
        const steps = job.steps as Step[];
        const run = steps.map((s) => String(s.run ?? "")).join("\n");
        assert.match(run, /^bash \.ci\/run render$/m);
        assert.doesNotMatch(run, /^bash \.ci\/run$/m);
        assert.match(run, /npm run --silent plan-diff -- \S+ \S+ > /);
        assert.match(
            run,
            /npm run --silent plan-diff -- \S+ \S+ --max-chars 65000 > "\$RUNNER_TEMP\/review\/short\.md"/,
        );
        const comment = steps.find((s) =>
            String(s.uses).startsWith("marocchino/sticky-pull-request-comment@"),
        );
        assert.equal(comment?.with.header, "offline-review");
        assert.equal(comment?.with.path, "${{ runner.temp }}/review/short.md");
        assert.equal(
            comment?.if,
            "github.event.pull_request.head.repo.full_name == github.repository",
        );
    });

    it("who holds which credentials, on which runners, in which concurrency group", () => {
        assert.deepEqual(credentialed(), [
            {
                job: "deploy.yml/apps",
                trigger: "push:main",
                runner: "platform-deploy",
                environment: "apps",
                team: "team:platform-deploy",
                esc: "${{ vars.PULUMI_ORG }}/platform/apps",
                group: "deploy-apps",
                cancel: false,
            },
            {
                job: "deploy.yml/infra",
                trigger: "push:main",
                runner: "platform-deploy",
                environment: "infra",
                team: "team:platform-deploy",
                esc: "${{ vars.PULUMI_ORG }}/platform/infra",
                group: "deploy-infra",
                cancel: false,
            },
            {
                job: "drift.yml/drift",
                trigger: "schedule,workflow_dispatch",
                runner: "platform-deploy",
                environment: "drift",
                team: "team:platform-drift",
                esc: "${{ vars.PULUMI_ORG }}/platform/${{ matrix.stack }}-drift",
                group: "drift-${{ matrix.stack }}",
                cancel: false,
            },
            {
                job: "preview.yml/preview",
                trigger: "pull_request",
                runner: "platform-preview",
                environment: "preview",
                team: "team:platform-preview",
                esc: "${{ vars.PULUMI_ORG }}/platform/${{ matrix.stack }}-preview",
                group: "preview-${{ github.event.pull_request.number }}-${{ matrix.stack }}",
                cancel: true,
            },
        ]);
    });

    it("docs/pull-requests.md names the settings each credentialed job relies on", () => {
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "pull-requests.md"), "utf8");
        for (const j of credentialed()) {
            const team = String(j.team).replace(/^team:/, "");
            for (const name of [j.runner, j.environment, team]) {
                assert.ok(doc.includes(`\`${String(name)}\``), `${String(j.job)}: ${String(name)}`);
            }
            assert.ok(doc.includes(`environment:${String(j.environment)}`), String(j.job));
        }
        assert.match(doc, /## What each job can and cannot reach/);
    });

    it("pull-request code never runs where the deploy credentials or runners are", () => {
        for (const f of files) assert.deepEqual(trustProblems(f, load(f)), [], f);
        // The check catches what a pull request could try in its copy of preview.yml.
        const variant = (edit: (job: Record<string, any>) => void) => {
            const wf = load("preview.yml");
            edit(wf.jobs.preview!);
            return trustProblems("preview.yml", wf);
        };
        assert.deepEqual(
            variant((j) => (j["runs-on"] = ["self-hosted", "linux", "platform-deploy"])),
            ["preview.yml/preview: on deploy runners"],
        );
        assert.deepEqual(
            variant((j) => delete j.environment),
            ["preview.yml/preview: an OIDC token outside the environment preview"],
        );
        assert.deepEqual(
            variant((j) => (j.environment = "infra")),
            [
                "preview.yml/preview: in the main-only environment infra",
                "preview.yml/preview: an OIDC token outside the environment preview",
            ],
        );
        assert.deepEqual(
            variant((j) => (j.steps[2].with.scope = "team:platform-deploy")),
            ["preview.yml/preview: asks for team:platform-deploy"],
        );
        assert.deepEqual(
            variant((j) => j.steps.push({ run: "bash .ci/pg-forward start infra" })),
            ["preview.yml/preview: opens the port-forward to PostgreSQL"],
        );
    });

    it("a deploy is in a group no preview or drift run can join (GitHub cancels a pending job)", () => {
        const groups = files.flatMap((f) =>
            Object.entries(load(f).jobs).map(([name, job]) => ({
                f,
                name,
                group: String(job.concurrency?.group ?? ""),
            })),
        );
        const deploy = groups.filter((g) => g.f === "deploy.yml").map((g) => g.group);
        assert.deepEqual(deploy.sort(), ["deploy-apps", "deploy-infra"]);
        for (const g of groups.filter((x) => x.f !== "deploy.yml" && x.group)) {
            assert.doesNotMatch(g.group, /^deploy-/, `${g.f}/${g.name}`);
            assert.match(g.group, /^(preview|drift|offline-review)-/, `${g.f}/${g.name}`);
        }
        // Nor a workflow-wide group that a second deploy.yml run would share with these.
        assert.equal(load("deploy.yml").concurrency, undefined);
    });

    it("deploy and drift open a verified port-forward to PostgreSQL around Pulumi, and close it", () => {
        const cases: [string, string, string][] = [
            ["deploy.yml", "infra", "bash .ci/pg-forward start infra"],
            ["drift.yml", "drift", "bash .ci/pg-forward start ${{ matrix.stack }}"],
        ];
        for (const [f, name, start] of cases) {
            const steps = load(f).jobs[name]!.steps as Step[];
            const i = steps.findIndex((s) => s.run === start);
            const pulumi = steps.findIndex((s) => String(s.uses).startsWith("pulumi/actions@"));
            const esc = steps.findIndex((s) => String(s.uses).startsWith("pulumi/esc-action@"));
            const stop = steps.findIndex((s) => s.run === "bash .ci/pg-forward stop");
            assert.ok(
                esc < i && i < pulumi && pulumi < stop,
                `${f}: ${esc} < ${i} < ${pulumi} < ${stop}`,
            );
            assert.equal(steps[stop]!.if, "always()");
        }
        // The apps stack has no SQL provider: no forward there.
        assert.doesNotMatch(JSON.stringify(load("deploy.yml").jobs.apps), /pg-forward/);
    });

    it("live preview: per stack, OIDC to ESC, never for forks, summary kept when cut", () => {
        const job = load("preview.yml").jobs.preview!;
        assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
        assert.deepEqual(job["runs-on"], ["self-hosted", "linux", "platform-preview"]);
        assert.equal(job.permissions["id-token"], "write");
        assert.deepEqual(job.strategy.matrix.stack, ["infra", "apps"]);
        const steps = job.steps as Step[];
        const pulumi = steps.find((s) => String(s.uses).startsWith("pulumi/actions@"));
        assert.deepEqual(
            {
                command: pulumi?.with.command,
                comment: pulumi?.with["comment-on-pr"],
                edit: pulumi?.with["edit-pr-comment"],
                diff: pulumi?.with.diff,
                summary: pulumi?.with["always-include-summary"],
            },
            { command: "preview", comment: true, edit: true, diff: true, summary: true },
        );
        const order = steps.map((s) => String(s.uses ?? "run").split("@")[0]);
        assert.ok(order.indexOf("pulumi/auth-actions") < order.indexOf("pulumi/esc-action"));
        assert.ok(order.indexOf("pulumi/esc-action") < order.indexOf("pulumi/actions"));
        assert.doesNotMatch(text("preview.yml"), /secrets\.(?!GITHUB_TOKEN)/);
    });

    it("deploy: `pulumi up` on main, infra before apps, protected environments, one at a time", () => {
        const wf = load("deploy.yml");
        assert.deepEqual(wf.on.push, { branches: ["main"] });
        assert.equal(wf.jobs.apps!.needs, "infra");
        for (const stack of ["infra", "apps"]) {
            const job = wf.jobs[stack]!;
            assert.equal(job.environment, stack);
            const up = (job.steps as Step[]).find((s) =>
                String(s.uses).startsWith("pulumi/actions@"),
            );
            assert.equal(up?.with.command, "up");
            assert.match(String(up?.with["stack-name"]), new RegExp(`/platform/${stack}$`));
        }
    });

    it("drift: scheduled preview with refresh that fails on any change", () => {
        const wf = load("drift.yml");
        assert.ok("schedule" in wf.on);
        const step = (wf.jobs.drift!.steps as Step[]).find((s) =>
            String(s.uses).startsWith("pulumi/actions@"),
        );
        assert.equal(step?.with.command, "preview");
        assert.equal(step?.with["expect-no-changes"], true);
        assert.equal(step?.with.refresh, true);
    });

    it("the linter accepts them and fails on a broken workflow", function () {
        this.timeout(20000);
        for (const f of files) {
            const res = spawnSync(validator, [path.join(WORKFLOWS, f)], { encoding: "utf8" });
            assert.equal(res.status, 0, `${f}: ${res.stdout}${res.stderr}`);
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflows-"));
        const broken = path.join(dir, "review.yml");
        fs.writeFileSync(
            broken,
            text("review.yml").replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"),
        );
        const res = spawnSync(validator, [broken], { encoding: "utf8" });
        assert.equal(res.status, 1);
        assert.match(`${res.stdout}${res.stderr}`, /Additional property 'runs_on' is not allowed/);
        // Concurrency takes `group` and `cancel-in-progress` only: no key to keep more than one
        // pending job, hence a group of its own for each kind of run.
        fs.writeFileSync(
            broken,
            text("deploy.yml").replace(
                "      group: deploy-infra\n      cancel-in-progress: false",
                "      group: deploy-infra\n      cancel-in-progress: false\n      queue: max",
            ),
        );
        const queued = spawnSync(validator, [broken], { encoding: "utf8" });
        assert.equal(queued.status, 1);
        assert.match(
            `${queued.stdout}${queued.stderr}`,
            /Additional property 'queue' is not allowed/,
        );
    });
});
