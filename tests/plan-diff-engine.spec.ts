/**
 * plan-diff's rules for what the engine and the operators do beyond the value diff
 * (scripts/plan-diff/engine-rules.ts), the stack read from the render's own metadata, and the
 * comment cut to GitHub's limit by structure (scripts/plan-diff/fit.ts). Renders of a small infra
 * config and variants of it, made once.
 *
 * Upstream behaviour pinned here: pulumi-kubernetes provider/pkg/provider/provider.go
 * `DiffConfig` (read at v4.32.0, the newest tag in the stored copy; the project pins 4.34.2):
 * a set clusterIdentifier that changes replaces the provider, one that stays ignores context and
 * kubeconfig changes, adding or removing it replaces nothing by itself. CloudNativePG
 * internal/webhook/v1/cluster_webhook.go `validateStorageConfigurationChange` (v1.26.1, same at
 * v1.30.0): "can't shrink existing storage"; pkg/reconciler/persistentvolumeclaim/build.go
 * (v1.26.1 and v1.30.0): the storage class is read when a PVC is built.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { render } from "../scripts/render";
import {
    cli,
    fitComment,
    kubernetesProviderDiff,
    loadRenderDir,
    planDiff,
    quantityBytes,
    stackFromFiles,
    type StackRender,
} from "../scripts/plan-diff";
import { fixtureSettings, smallInfraSettings } from "./mocks";

type Settings = Record<string, any>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-engine-"));

const smallInfra = (): Settings => smallInfraSettings();

async function renderInfra(name: string, change: (s: Settings) => void = () => undefined) {
    const settings = smallInfra();
    change(settings);
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify({ config: settings }));
    const { files } = await render({ stack: "infra", configFile: file });
    const out = path.join(dir, "renders", name);
    fs.mkdirSync(out, { recursive: true });
    for (const [f, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
        fs.writeFileSync(path.join(out, f), content);
    }
    return stackFromFiles("folder-name-unused", files);
}

const flagsOf = (md: string) =>
    (md.split("### What to look at first")[1] ?? "").split("\n###")[0]!.trim().split("\n");

describe("plan-diff: engine rules, stacks, the cut", () => {
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    describe("what the engine and the operators do", () => {
        const r: Record<string, StackRender> = {};
        before(async function () {
            this.timeout(120000);
            r.base = await renderInfra("base");
            r.identifier = await renderInfra("identifier", (s) => {
                s["platform:kubernetes"].clusterIdentifier = "infra-2027";
            });
            r.context = await renderInfra("context", (s) => {
                s["platform:kubernetes"].context = "admin@infra-new";
            });
            r.shrunk = await renderInfra("shrunk", (s) => {
                s["platform:postgres"].storage.size = "400Gi";
                s["platform:postgres"].walStorage.size = "0.25Ti";
            });
            r.classed = await renderInfra("classed", (s) => {
                s["platform:postgres"].storage.storageClass = "ceph-nvme";
                s["platform:postgres"].walStorage.size = "250Gi";
            });
        });
        const md = (a: string, b: string) => planDiff([r[a]!], [r[b]!]);

        it("a new clusterIdentifier (its default is platform:role) replaces every object: said first", () => {
            const flags = flagsOf(md("base", "identifier"));
            const objects = r.identifier!.rows.filter((x) =>
                x.type.startsWith("kubernetes:"),
            ).length;
            assert.equal(
                flags[0],
                `- 🛑 (infra) **replaces the Kubernetes provider** \`infra\` (clusterIdentifier "infra" → "infra-2027"; the identifier defaults to platform:role): Pulumi replaces every object on it (${objects} Kubernetes objects in this stack), protected ones included, which \`pulumi up\` refuses`,
            );
        });

        it("a new context under the same clusterIdentifier replaces nothing", () => {
            const out = md("base", "context");
            assert.doesNotMatch(out, /🛑/);
            assert.match(
                out,
                /Kubernetes provider `infra`: context changed under the same clusterIdentifier "infra": ignored; no replacement/,
            );
        });

        it("DiffConfig's cases: changed, kept, added, removed, and no identifier at all", () => {
            const id = (clusterIdentifier?: string, context = "a") => ({
                clusterIdentifier,
                context,
            });
            assert.deepEqual(kubernetesProviderDiff(id("x"), id("y")), {
                replaces: true,
                why: 'clusterIdentifier "x" → "y"',
            });
            assert.equal(kubernetesProviderDiff(id("x"), id("x"))?.replaces, undefined);
            assert.equal(kubernetesProviderDiff(id("x"), id("x", "b"))?.replaces, false);
            assert.deepEqual(kubernetesProviderDiff(id(undefined), id("x")), {
                replaces: false,
                why: 'clusterIdentifier set to "x"',
            });
            assert.deepEqual(kubernetesProviderDiff(id("x"), id(undefined)), {
                replaces: false,
                why: 'clusterIdentifier "x" removed',
            });
            // Added together with a new context: nothing keeps the old identity.
            assert.equal(kubernetesProviderDiff(id(undefined), id("x", "b"))?.replaces, true);
            assert.deepEqual(kubernetesProviderDiff(id(undefined), id(undefined, "b")), {
                replaces: true,
                why: "context changed without a clusterIdentifier to keep it",
            });
        });

        it("a volume shrunk is what CNPG's webhook refuses; a larger one is not flagged", () => {
            const out = md("base", "shrunk");
            assert.match(
                out,
                /- 🛑 \(infra\) \*\*shrinks a volume\*\* of Cluster `shared-postgres`: spec\.storage\.size "500Gi" → "400Gi": CNPG's webhook refuses it \("can't shrink existing storage"\)/,
            );
            // 0.25Ti = 256Gi > 200Gi: grows.
            assert.doesNotMatch(out, /spec\.walStorage\.size "200Gi"/);
            assert.equal(quantityBytes("0.25Ti"), 256 * 2 ** 30);
            assert.equal(quantityBytes("1G"), 1e9);
            assert.equal(quantityBytes("10 Gi"), undefined);
        });

        it("a storage class changed reaches new volumes only", () => {
            const out = md("base", "classed");
            assert.match(
                out,
                /- ⚠️ \(infra\) \*\*changes the storage class\*\* of Cluster `shared-postgres`: spec\.storage\.storageClass "rook-ceph-block" → "ceph-nvme": only volumes created from now on \(a new instance, a replaced PVC\) get it; the existing volumes keep their class/,
            );
            assert.doesNotMatch(out, /shrinks a volume/);
        });
    });

    describe("an application added with its new tenant in one change", () => {
        const renders: Record<string, StackRender> = {};
        before(async function () {
            this.timeout(120000);
            const renderWith = async (stack: string, settings: Settings, outputs?: unknown) => {
                const file = path.join(
                    dir,
                    `Pulumi.cross-${stack}-${Object.keys(renders).length}.yaml`,
                );
                fs.writeFileSync(file, YAML.stringify({ config: settings }));
                const { files } = await render({
                    stack,
                    configFile: file,
                    infraOutputs: outputs as Record<string, unknown> | undefined,
                });
                return {
                    stack: stackFromFiles(stack, files),
                    outputs: JSON.parse(files["outputs.json"] ?? "{}"),
                };
            };
            const infra = smallInfra();
            const infraBase = await renderWith("infra", infra);
            infra["platform:tenants"].push({
                name: "wiki",
                role: "wiki_app",
                connectionLimit: 20,
                databases: [{ name: "wiki" }],
                pooler: { instances: 1, poolMode: "transaction", global: true },
                clients: { appsNamespaces: ["wiki"] },
            });
            const infraHead = await renderWith("infra", infra);
            const apps = structuredClone(fixtureSettings("apps")) as Settings;
            delete apps["platform:knownTenants"];
            const appsBase = await renderWith("apps", apps, infraBase.outputs);
            apps["platform:applications"].push({ name: "wiki", tenant: "wiki", database: "wiki" });
            const appsHead = await renderWith("apps", apps, infraHead.outputs);
            Object.assign(renders, {
                infraBase: infraBase.stack,
                infraHead: infraHead.stack,
                appsBase: appsBase.stack,
                appsHead: appsHead.stack,
            });
        });

        it("says the live apps preview cannot see the new infra outputs before infra is deployed", () => {
            const out = planDiff(
                [renders.infraBase!, renders.appsBase!],
                [renders.infraHead!, renders.appsHead!],
            );
            assert.match(
                out,
                /- ⚠️ \(apps\) \*\*reads infra outputs this change alters\*\* \(tenants\.wiki added\): this review rendered apps against the head's infra render; the live apps preview reads the deployed infra stack, so it cannot show what depends on them \(an application of a new tenant fails there: "is not a tenant of the infra stack"\) until deploy\.yml has run `pulumi up` on infra, which it does before apps/,
            );
            // The apps render of the head has the application's connection Secret: it knew the outputs.
            assert.ok(renders.appsHead!.rows.some((r) => r.name === "wiki-database"));
            // Infra outputs unchanged: nothing to say.
            const same = planDiff(
                [renders.infraBase!, renders.appsBase!],
                [renders.infraBase!, renders.appsHead!],
            );
            assert.doesNotMatch(same, /reads infra outputs/);
        });
    });

    describe("which stack a render is", () => {
        let base: StackRender;
        before(async function () {
            this.timeout(60000);
            base = await renderInfra("named");
        });

        it("comes from the render's metadata, not the folder; infra against apps is an error", async function () {
            this.timeout(60000);
            // A folder named after the other stack: the render still says infra.
            const renamed = path.join(dir, "renders-renamed", "apps");
            fs.mkdirSync(path.dirname(renamed), { recursive: true });
            fs.cpSync(path.join(dir, "renders", "named"), renamed, { recursive: true });
            assert.deepEqual(
                loadRenderDir(path.dirname(renamed)).map((s) => s.stack),
                ["infra"],
            );
            const { files } = await render({ stack: "apps" });
            const apps = stackFromFiles("infra", files);
            assert.equal(apps.stack, "apps");
            assert.throws(() => planDiff([base], [apps]), {
                message:
                    "plan-diff: the base is a render of stack infra and the head of stack apps: compare two renders of the same stack (or two folders of stacks)",
            });
        });

        it("several renders of one stack in one folder: told apart by their folder", () => {
            const folder = path.join(dir, "several");
            for (const name of ["infra", "restore-drill"]) {
                fs.cpSync(path.join(dir, "renders", "named"), path.join(folder, name), {
                    recursive: true,
                });
            }
            assert.deepEqual(
                loadRenderDir(folder).map((s) => s.stack),
                ["infra", "infra (restore-drill)"],
            );
        });
    });

    describe("the comment cut to fit", () => {
        const fences = (s: string) => (s.match(/^\s*```/gm) ?? []).length;
        const review = [
            "## Offline review of this change",
            "",
            "### What to look at first",
            "",
            "- 🛑 (infra) **deletes protected** Database `wiki`",
            "",
            "### Stack `infra`",
            "",
            "| type | create | update | replace | delete |",
            "| --- | ---: | ---: | ---: | ---: |",
            "| **total** | **1** | **0** | **0** | **1** |",
            "",
            "<details><summary>Changed values</summary>",
            "",
            "```diff",
            ...Array.from({ length: 400 }, (_, i) => `+ spec.x[${i}]: "${"v".repeat(40)}"`),
            "",
            "```",
            "",
            "</details>",
            "",
            "### Dependency graph of the change",
            "",
            "```mermaid",
            "flowchart LR",
            ...Array.from({ length: 200 }, (_, i) => `  n${i} --> n${i + 1}`),
            "```",
            "",
        ].join("\n");

        it("leaves a review that fits as it is", () => {
            assert.equal(fitComment(review, review.length), review);
        });

        it("keeps the flags and the counts, drops whole details, never cuts inside a code block", () => {
            const out = fitComment(review, 1200);
            assert.ok(out.length <= 1200, String(out.length));
            assert.equal(fences(out) % 2, 0);
            assert.match(out, /🛑 \(infra\) \*\*deletes protected\*\* Database `wiki`/);
            assert.match(out, /\| \*\*total\*\* \| \*\*1\*\*/);
            assert.doesNotMatch(out, /```diff|```mermaid|<details>/);
            assert.match(
                out,
                /_… 2 of 8 parts of this review left out to fit a comment \(1,200 characters\): the whole review is in the run's summary and its `offline-review` artifact\._\n$/,
            );
            // Room for the picture but not the values (which come first): the picture stays whole.
            const mid = fitComment(review, 4000);
            assert.ok(mid.length <= 4000, String(mid.length));
            assert.match(mid, /```mermaid[\s\S]*n199 --> n200\n```/);
            assert.doesNotMatch(mid, /```diff/);
            assert.equal(fences(mid) % 2, 0);
        });

        it("flags over the limit on their own: the first ones, whole lines", () => {
            const many = [
                "## Offline review of this change",
                "",
                "### What to look at first",
                "",
                ...Array.from(
                    { length: 300 },
                    (_, i) => `- ⚠️ (infra) flag ${i} ${"x".repeat(30)}`,
                ),
                "",
            ].join("\n");
            const out = fitComment(many, 2000);
            assert.ok(out.length <= 2000, String(out.length));
            assert.match(out, /^- ⚠️ \(infra\) flag 0 x+$/m);
            assert.doesNotMatch(out, /flag 299/);
            for (const line of out.split("\n").filter((l) => l.startsWith("- "))) {
                assert.match(line, /^- ⚠️ \(infra\) flag \d+ x{30}$/);
            }
        });

        it("the command takes --max-chars and refuses a bad one", function () {
            this.timeout(30000);
            const bad = cli([
                path.join(dir, "renders", "base"),
                path.join(dir, "renders", "shrunk"),
                "--max-chars",
                "12",
            ]);
            assert.equal(bad.status, 2);
            assert.equal(
                bad.stderr.trim(),
                "usage: npm run plan-diff -- <base render dir> <head render dir> [--max-chars <n ≥ 1000>] [--today YYYY-MM-DD]",
            );
            const ok = cli([
                path.join(dir, "renders", "base"),
                path.join(dir, "renders", "shrunk"),
                "--max-chars",
                "1500",
            ]);
            assert.equal(ok.status, 0, ok.stderr);
            assert.ok(ok.stdout.length <= 1500);
            assert.match(ok.stdout, /shrinks a volume/);
        });
    });
});
