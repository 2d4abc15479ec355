/**
 * plan-diff on pairs of renders the spec makes itself, from a small infra config (the committed
 * one without Harbor and Dragonfly) and variants of it: no change, a tenant added, a tenant
 * removed, a password rotated, a protected resource replaced, a chart bumped. Each render is made
 * once and reused.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { render } from "../scripts/render";
import {
    changeGraph,
    diffStack,
    loadRenderDir,
    MERMAID_LIMITS,
    planDiff,
    planDiffStacks,
    replaceReasons,
    stackFromFiles,
    type StackRender,
} from "../scripts/plan-diff";
import { SECRET_PREFIX, smallInfraSettings } from "./mocks";

type Settings = Record<string, any>;

const smallInfra = (): Settings => smallInfraSettings();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));

async function renderInfra(
    name: string,
    change: (s: Settings) => void = () => undefined,
): Promise<{ stack: StackRender; files: Record<string, string> }> {
    const settings = smallInfra();
    change(settings);
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify({ config: settings }));
    const { files } = await render({ stack: "infra", configFile: file });
    return { stack: stackFromFiles("infra", files), files };
}

const WIKI = {
    name: "wiki",
    role: "wiki",
    connectionLimit: 20,
    databases: [{ name: "wiki" }],
    pooler: { instances: 1, poolMode: "transaction", parameters: { default_pool_size: "10" } },
};

describe("plan-diff", () => {
    const r: Record<string, { stack: StackRender; files: Record<string, string> }> = {};
    before(async function () {
        this.timeout(60000);
        r.base = await renderInfra("base");
        r.added = await renderInfra("added", (s) => s["platform:tenants"].push(WIKI));
        r.rotated = await renderInfra("rotated", (s) => {
            s["platform:tenants"][1].passwordRotation = "2026-12";
        });
        r.moved = await renderInfra("moved", (s) => {
            s["platform:postgres"].namespace = "databases";
        });
        r.opened = await renderInfra("opened", (s) => {
            s["platform:postgres"].pgHba = [
                "hostssl all all 10.0.0.0/8 scram-sha-256",
                "hostssl all all all scram-sha-256",
            ];
            s["platform:tenants"][1].databases.push({ name: "gitlab_ci" });
            s["platform:tenants"][1].connectionLimit = 120;
        });
        r.bumped = await renderInfra("bumped", (s) => {
            s["platform:cnpg"].chart.version = "0.28.3";
        });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    // The support status is the versions table's on this day (components/versions/table.ts).
    const md = (a: string, b: string) =>
        planDiff([r[a]!.stack], [r[b]!.stack], { today: new Date("2026-12-05T00:00:00Z") });

    it("says so when nothing changes", () => {
        // Two renders of one config are byte-identical (render.spec.ts), so one render twice.
        const out = planDiff([r.base!.stack], [structuredClone(r.base!.stack)]);
        assert.match(out, /\*\*No changes\*\* in `infra`\./);
        assert.doesNotMatch(out, /What to look at first|```mermaid/);
    });

    it("a tenant added: creates its role, database, grants, pooler and secrets; flags the budget", () => {
        const out = md("base", "added");
        assert.match(out, /\| `postgresql:index\/role:Role` \| 1 \| {2}\| {2}\| {2}\|/);
        assert.match(
            out,
            /\| `kubernetes:postgresql.cnpg.io\/v1:Pooler` \| 1 \| {2}\| {2}\| {2}\|/,
        );
        assert.match(out, /\| `postgresql:index\/grant:Grant` \| 3 \|/);
        assert.match(out, /connection budget: adds Role `wiki` \(connectionLimit 20\)/);
        assert.match(out, /connection budget: adds Pooler `wiki-pooler` \(instances 1\)/);
        // The Cluster's certificate gains the pooler's names (a list that grows shows what joins).
        assert.match(out, /\+ spec\.certificates\.serverAltDNSNames\[\]: "wiki-pooler"/);
        assert.match(
            out,
            /\+ grant \["CONNECT","CREATE","TEMPORARY"\] on "database" "wiki" to "wiki"/,
        );
        assert.doesNotMatch(out, /🛑/);
    });

    it("a tenant removed: deletes its protected database, flagged first", () => {
        const out = md("added", "base");
        const first = out.split("### What to look at first")[1] ?? "";
        assert.match(
            first.split("\n")[2] ?? "",
            /^- 🛑 \(infra\) \*\*deletes protected\*\* Database `wiki`: `pulumi up` refuses to delete a protected resource/,
        );
        assert.match(out, /\*\*deletes\*\* Role `wiki`: a login role/);
        assert.match(out, /- delete `postgresql:index\/database:Database::wiki` \(protected\)/);
        assert.match(out, /\*\*deletes the generated secret\*\* RandomPassword `wiki-db-password`/);
    });

    it("a password rotated: names whose password, what restarts and what does not, and the apps stack's up", () => {
        const out = md("base", "rotated");
        assert.match(
            out,
            /\*\*rotates the password of Tenant `gitlab`\*\* \(RandomPassword `gitlab-db-password`, keepers \(none\) → \{"rotation":"2026-12"\}\)/,
        );
        assert.match(
            out,
            /does not restart: Role `gitlab_app`: new password set in place \(ALTER ROLE\)/,
        );
        assert.match(
            out,
            /does not restart: Secret `gitlab-db-credentials`: updated; pods that read it keep the old value until they restart/,
        );
        assert.match(out, /global tenant `gitlab`: the apps stack needs a `pulumi up` too/);
        // The role, its Secret and its 1Password item are updates: the engine sees a new value.
        assert.match(out, /\| `postgresql:index\/role:Role` \| {2}\| 1 \| {2}\| {2}\|/);
        assert.match(
            out,
            /\| `random:index\/randomPassword:RandomPassword` \| {2}\| {2}\| 1 \| {2}\|/,
        );
        assert.ok(!out.includes(SECRET_PREFIX));
    });

    it("a non-global tenant's rotation asks for no apps up", () => {
        const rotated = structuredClone(r.rotated!.stack);
        (rotated.outputs.tenants as Record<string, { global: boolean }>).gitlab!.global = false;
        const out = planDiff([r.base!.stack], [rotated]);
        assert.match(out, /rotates the password of Tenant `gitlab`/);
        assert.doesNotMatch(out, /apps stack needs/);
    });

    it("a protected resource replaced: the Cluster moved to another namespace", () => {
        const out = md("base", "moved");
        assert.match(
            out,
            /🛑 \(infra\) \*\*replaces protected\*\* Cluster `shared-postgres` \(metadata\.namespace\)/,
        );
        assert.match(
            out,
            /\| `kubernetes:postgresql.cnpg.io\/v1:Cluster` \| {2}\| {2}\| 1 \| {2}\|/,
        );
        assert.match(out, /\*\*stops protecting\*\* Namespace `cnpg-system`/);
        assert.match(
            out,
            /- metadata\.namespace: "cnpg-system"\n\+ metadata\.namespace: "databases"/,
        );
    });

    it("flags every change of access rules: the server's pg_hba and a pooler's, rule by rule", () => {
        const out = md("base", "opened");
        const first = out.split("### What to look at first")[1] ?? "";
        assert.match(
            first,
            /⚠️ \(infra\) \*\*changes access rules\*\* of Cluster `shared-postgres` \(spec\.postgresql\.pg_hba\)\n\s+- \+ `hostssl all all 10\.0\.0\.0\/8 scram-sha-256`\n/,
        );
        assert.match(
            first,
            /⚠️ \(infra\) \*\*changes access rules\*\* of Pooler `gitlab-pooler` \(spec\.pgbouncer\.pg_hba\)\n\s+- \+ `hostssl gitlabhq_production,gitlab_ci gitlab_app 0\.0\.0\.0\/0 scram-sha-256`\n\s+- \+ `hostssl gitlabhq_production,gitlab_ci gitlab_app ::\/0 scram-sha-256`\n\s+- - `hostssl gitlabhq_production gitlab_app 0\.0\.0\.0\/0 scram-sha-256`/,
        );
        // A new pooler brings its rules; a reorder alone is named as one.
        assert.match(md("base", "added"), /\*\*brings access rules\*\* of Pooler `wiki-pooler`/);
        const reordered = structuredClone(r.opened!.stack);
        const cluster = reordered.rows.find((x) => x.name === "shared-postgres" && x.custom)!;
        const hba = (cluster.inputs.spec as any).postgresql.pg_hba as string[];
        hba.push(...hba.splice(hba.length - 2, 1));
        assert.match(
            planDiff([r.opened!.stack], [reordered]),
            /changes access rules\*\* of Cluster `shared-postgres` \(spec\.postgresql\.pg_hba\)\n\s+- same rules in another order: the first rule that matches decides/,
        );
        assert.doesNotMatch(md("base", "bumped"), /access rules/);
    });

    it("new objects' access rules: each one's while they are few, one line for many", () => {
        const many = structuredClone(r.added!.stack);
        const wiki = many.rows.find((x) => x.name === "wiki-pooler" && x.custom)!;
        for (let i = 1; i <= 5; i++)
            many.rows.push({ ...structuredClone(wiki), name: `t${i}-pooler` });
        const out = planDiff([r.base!.stack], [many]);
        assert.match(
            out,
            /\*\*brings access rules\*\* of 6 new Poolers: `t1-pooler`, `t2-pooler`, `t3-pooler` … `wiki-pooler`; their rules are not listed one by one/,
        );
        assert.doesNotMatch(out, /brings access rules\*\* of Pooler/);
    });

    it("a chart bumped: flags the version change and shows it in the diff", () => {
        const out = md("bumped", "base");
        assert.match(
            out,
            /⚠️ \(infra\) \*\*chart change\*\* Release `cloudnative-pg`: version "0\.28\.3" → "0\.29\.0"/,
        );
        assert.match(
            out,
            /@@ update kubernetes:helm.sh\/v3:Release cloudnative-pg\n- version: "0\.28\.3"\n\+ version: "0\.29\.0"/,
        );
        assert.match(
            out,
            /\| \*\*total\*\* \| \*\*0\*\* \| \*\*1\*\* \| \*\*0\*\* \| \*\*0\*\* \|/,
        );
    });

    it("draws the changed part with its neighbours as Mermaid", () => {
        const out = md("base", "added");
        const mermaid = /```mermaid\n([\s\S]*?)```/.exec(out)?.[1] ?? "";
        assert.match(mermaid, /^flowchart LR\n/);
        assert.match(
            mermaid,
            /Role_wiki\["postgresql:index\/role:Role<br\/>wiki \(create\)"\]:::create/,
        );
        // The Cluster is a neighbour (the new pooler waits for it) and is updated itself.
        assert.match(mermaid, /Cluster_shared_postgres\[".*shared-postgres \(update\)"\]:::update/);
        assert.match(mermaid, /--> Pooler_wiki_pooler/);
    });

    it("keeps every line of the full graph when a tenant is added (stable node ids)", () => {
        const before = new Set((r.base!.files["graph.mmd"] ?? "").split("\n"));
        const after = new Set((r.added!.files["graph.mmd"] ?? "").split("\n"));
        const lost = [...before].filter((l) => !after.has(l));
        assert.deepEqual(lost, []);
        assert.ok(after.size > before.size + 10);
    });

    it("says when a value that was redacted is shown now, instead of claiming it changed", () => {
        const head = structuredClone(r.base!.stack);
        const secret = head.rows.find((x) => x.name === "gitlab-db-credentials")!;
        (secret.inputs.stringData as Record<string, unknown>).username = "gitlab";
        const out = planDiff([r.base!.stack], [head]);
        assert.ok(
            out.includes(
                '  stringData.username: "gitlab" (was shown as [secret]; the render cannot tell whether it changed)',
            ),
            out,
        );
        assert.doesNotMatch(out, /- stringData\.username/);
    });

    it("reads render dirs: one stack, or a folder of stacks", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-dirs-"));
        for (const f of ["resources.json", "outputs.json"]) {
            fs.mkdirSync(path.join(root, "infra"), { recursive: true });
            fs.writeFileSync(path.join(root, "infra", f), r.base!.files[f] ?? "");
        }
        assert.deepEqual(
            loadRenderDir(root).map((s) => s.stack),
            ["infra"],
        );
        assert.equal(
            loadRenderDir(path.join(root, "infra"))[0]?.rows.length,
            r.base!.stack.rows.length,
        );
        assert.throws(() => loadRenderDir(path.join(root, "nope")), /no render directory/);
    });

    describe("replace rules", () => {
        it("follows the providers: Helm release and Kubernetes names, SQL and random fields", () => {
            const ch = (p: string) => [{ path: p, before: "a", after: "b" }];
            // pulumi-kubernetes provider/pkg/provider/helm_release.go, Diff: forceNewFields .name, .namespace.
            assert.deepEqual(replaceReasons("kubernetes:helm.sh/v3:Release", ch("name")), ["name"]);
            assert.deepEqual(replaceReasons("kubernetes:helm.sh/v3:Release", ch("version")), []);
            assert.deepEqual(replaceReasons("kubernetes:core/v1:Namespace", ch("metadata.name")), [
                "metadata.name",
            ]);
            assert.deepEqual(
                replaceReasons("kubernetes:core/v1:Secret", ch("metadata.labels.a")),
                [],
            );
            // terraform-provider-postgresql v1.26.0: role and database names are renamed in place.
            assert.deepEqual(replaceReasons("postgresql:index/role:Role", ch("name")), []);
            assert.deepEqual(replaceReasons("postgresql:index/database:Database", ch("name")), []);
            assert.deepEqual(
                replaceReasons("postgresql:index/database:Database", ch("lcCollate")),
                ["lcCollate"],
            );
            assert.deepEqual(
                replaceReasons("postgresql:index/grant:Grant", ch("privileges[]")),
                [],
            );
            assert.deepEqual(replaceReasons("postgresql:index/grant:Grant", ch("role")), ["role"]);
            // terraform-provider-random v3.9.0: keepers and length RequiresReplace.
            assert.deepEqual(
                replaceReasons(
                    "random:index/randomPassword:RandomPassword",
                    ch("keepers.rotation"),
                ),
                ["keepers.rotation"],
            );
            assert.deepEqual(
                replaceReasons("random:index/randomPassword:RandomPassword", ch("length")),
                ["length"],
            );
        });

        it("flags a role renamed in place and a database renamed in place", () => {
            const renamed = structuredClone(r.base!.stack);
            for (const row of renamed.rows) {
                if (row.type === "postgresql:index/role:Role" && row.name === "keycloak")
                    row.inputs.name = "kc";
                if (row.type === "postgresql:index/database:Database" && row.name === "keycloak")
                    row.inputs.name = "kc";
            }
            const out = planDiff([r.base!.stack], [renamed]);
            assert.match(out, /\*\*renames role\*\* "keycloak" → "kc" in place/);
            assert.match(out, /\*\*renames database\*\* "keycloak" → "kc" in place/);
            assert.match(out, /\| `postgresql:index\/role:Role` \| {2}\| 1 \| {2}\| {2}\|/);
        });

        it("treats a new parent as a replace (new URN) and an import as an adoption", () => {
            const head = structuredClone(r.base!.stack);
            const ns = head.rows.find((x) => x.type === "kubernetes:core/v1:Namespace")!;
            ns.parent = "platform:other:Thing::x";
            const pooler = head.rows.find(
                (x) => x.type === "kubernetes:postgresql.cnpg.io/v1:Pooler",
            )!;
            pooler.import = "cnpg-system/gitlab-pooler";
            const changes = diffStack(r.base!.stack, head);
            assert.equal(changes.find((c) => c.ref.endsWith("::cnpg-system"))?.op, "replace");
            const out = planDiff([r.base!.stack], [head]);
            assert.match(
                out,
                /\*\*adopts\*\* existing Pooler `\S+` \(import "cnpg-system\/gitlab-pooler"\)/,
            );
        });
    });

    it("draws one node per component when the change is large, within GitHub's limits", () => {
        const head = structuredClone(r.added!.stack);
        for (let i = 0; i < 30; i++) {
            for (const row of r.added!.stack.rows.filter(
                (x) => x.parent === "platform:postgres:Tenant::wiki",
            )) {
                head.rows.push({
                    ...structuredClone(row),
                    name: `${row.name}-${i}`,
                    parent: `platform:postgres:Tenant::wiki${i}`,
                });
            }
            head.rows.push({
                ...structuredClone(
                    r.added!.stack.rows.find(
                        (x) => x.type === "platform:postgres:Tenant" && x.name === "wiki",
                    )!,
                ),
                name: `wiki${i}`,
            });
        }
        const g = changeGraph(planDiffStacks([r.base!.stack], [head]));
        assert.equal(g.kind, "components");
        assert.match(
            g.mermaid,
            /Tenant_wiki7\["platform:postgres:Tenant<br\/>wiki7<br\/>create \d+"\]:::create/,
        );
        assert.ok(Buffer.byteLength(g.mermaid) < MERMAID_LIMITS.maxBytes);
        assert.ok(
            g.mermaid.split("\n").filter((l) => l.includes(" --> ")).length <
                MERMAID_LIMITS.maxEdges,
        );
    });
});
