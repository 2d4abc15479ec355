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
    jobs: Record<string, Record<string, any>>;
};
const load = (f: string) => YAML.parse(text(f)) as Workflow;
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

    it("offline review: every pull request, hosted runner, no credentials, one sticky comment", () => {
        const wf = load("review.yml");
        assert.ok("pull_request" in wf.on);
        assert.ok(!("pull_request_target" in wf.on), "must not run fork code with write access");
        assert.doesNotMatch(text("review.yml"), /secrets\.|id-token/);
        const job = wf.jobs.review!;
        assert.equal(job["runs-on"], "ubuntu-latest");
        const steps = job.steps as Record<string, any>[];
        const run = steps.map((s) => String(s.run ?? "")).join("\n");
        assert.match(run, /bash \.ci\/run/);
        assert.match(run, /npm run --silent plan-diff -- /);
        const comment = steps.find((s) =>
            String(s.uses).startsWith("marocchino/sticky-pull-request-comment@"),
        );
        assert.equal(comment?.with.header, "offline-review");
        assert.equal(
            comment?.if,
            "github.event.pull_request.head.repo.full_name == github.repository",
        );
    });

    it("live preview: per stack, self-hosted, OIDC to ESC, never for forks", () => {
        const job = load("preview.yml").jobs.preview!;
        assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
        assert.ok((job["runs-on"] as string[]).includes("self-hosted"));
        assert.equal(job.permissions["id-token"], "write");
        assert.deepEqual(job.strategy.matrix.stack, ["infra", "apps"]);
        const steps = job.steps as Record<string, any>[];
        const pulumi = steps.find((s) => String(s.uses).startsWith("pulumi/actions@"));
        assert.deepEqual(
            {
                command: pulumi?.with.command,
                comment: pulumi?.with["comment-on-pr"],
                edit: pulumi?.with["edit-pr-comment"],
                diff: pulumi?.with.diff,
            },
            { command: "preview", comment: true, edit: true, diff: true },
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
            assert.equal(job.concurrency.group, `pulumi-${stack}`);
            assert.equal(job.concurrency["cancel-in-progress"], false);
            const up = (job.steps as Record<string, any>[]).find((s) =>
                String(s.uses).startsWith("pulumi/actions@"),
            );
            assert.equal(up?.with.command, "up");
            assert.match(String(up?.with["stack-name"]), new RegExp(`/platform/${stack}$`));
        }
    });

    it("drift: scheduled preview with refresh that fails on any change", () => {
        const wf = load("drift.yml");
        assert.ok("schedule" in wf.on);
        const step = (wf.jobs.drift!.steps as Record<string, any>[]).find((s) =>
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
    });
});
