/**
 * The shipped infra config with 200 more tenants: the picture plan-diff puts in the pull-request
 * comment stays within GitHub's Mermaid limits (500 edges, 50 KB) while the full graph.mmd does
 * not, and the whole comment fits GitHub's 65,536 characters. Slow (a render of ~3,000
 * resources): `npm run test:scale`, called from .ci/run.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { render } from "../../scripts/render";
import {
    MERMAID_LIMITS,
    planDiff,
    stackFromFiles,
    type StackRender,
} from "../../scripts/plan-diff";
import { PROJECT_DIR, fixtureSettings } from "../mocks";

const TENANTS = 200;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scale-"));

function withTenants(n: number): Record<string, any> {
    const s = structuredClone(fixtureSettings("infra")) as Record<string, any>;
    for (let i = 1; i <= n; i++) {
        const name = `t${String(i).padStart(3, "0")}`;
        s["platform:tenants"].push({
            name,
            role: name,
            connectionLimit: 5,
            databases: [{ name }],
            pooler: {
                instances: 1,
                poolMode: "transaction",
                parameters: { default_pool_size: "5" },
            },
        });
    }
    // Room for n tenants of 5 connections and their auth_query pools of 5, above the shipped budget.
    if (n > 0) {
        s["platform:postgres"].maxConnections =
            (s["platform:postgres"].maxConnections as number) + 10 * n + 100;
    }
    return s;
}

async function renderTo(
    name: string,
    settings: Record<string, unknown>,
): Promise<Record<string, string>> {
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify({ config: settings }));
    const { files } = await render({ stack: "infra", configFile: file });
    for (const [f, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name, "infra", f)), { recursive: true });
        fs.writeFileSync(path.join(dir, name, "infra", f), content);
    }
    return files;
}

const mermaidOf = (md: string) => /```mermaid\n([\s\S]*?)```/.exec(md)?.[1] ?? "";
const edges = (g: string) => g.split("\n").filter((l) => l.includes(" --> ")).length;

function assertDrawable(g: string): void {
    assert.ok(g.startsWith("flowchart LR\n"), g.slice(0, 200));
    assert.ok(edges(g) <= MERMAID_LIMITS.maxEdges, `${edges(g)} edges`);
    assert.ok(Buffer.byteLength(g) <= MERMAID_LIMITS.maxBytes, `${Buffer.byteLength(g)} bytes`);
}

describe(`the shipped infra config with ${TENANTS} more tenants`, function () {
    this.timeout(600000);
    let shipped: StackRender;
    let big: Record<string, string>;
    before(async () => {
        shipped = stackFromFiles("infra", await renderTo("shipped", withTenants(0)));
        big = await renderTo("big", withTenants(TENANTS));
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    it("has a full graph beyond GitHub's limits (why the comment draws less)", () => {
        const g = big["graph.mmd"] ?? "";
        assert.ok(
            edges(g) > MERMAID_LIMITS.maxEdges || Buffer.byteLength(g) > MERMAID_LIMITS.maxBytes,
        );
    });

    it("adding them: one node per component, within the limits, in a comment GitHub accepts", () => {
        const md = planDiff([shipped], [stackFromFiles("infra", big)]);
        const g = mermaidOf(md);
        assertDrawable(g);
        assert.match(md, /too many to read: one node per kind of component/);
        // 11 resources a tenant: the component, password, salt, role, database, 3 grants, Secret,
        // item, Pooler.
        assert.match(g, /Tenant × 203<br\/>gitlab … t200<br\/>create 2200"\]:::create/);
        assert.match(md, /connection budget: adds 200 roles \(connectionLimit 1000 in all\)/);
        const before = withTenants(0)["platform:postgres"].maxConnections as number;
        const after = withTenants(TENANTS)["platform:postgres"].maxConnections as number;
        assert.ok(
            md.includes(
                `connection budget: Cluster \`shared-postgres\` \`spec.postgresql.parameters.max_connections\` "${before}" → "${after}"`,
            ),
        );
        assert.ok(md.length < 60000, `${md.length} characters`);
    });

    it("a rotation among them: the changed part with its neighbours, within the limits", () => {
        const base = stackFromFiles("infra", big);
        const head = structuredClone(base);
        // What the render writes for `passwordRotation: "2026-12"` on tenant t100.
        const pw = head.rows.find((r) => r.name === "t100-db-password");
        assert.ok(pw);
        pw.inputs.keepers = { rotation: "2026-12" };
        const md = planDiff([base], [head]);
        const g = mermaidOf(md);
        assertDrawable(g);
        assert.match(g, /RandomPassword_t100_db_password\[/);
        assert.match(md, /rotates the password of Tenant `t100`/);
    });

    it("runs as `npm run plan-diff -- <base> <head>`: Markdown on stdout, exit 0", () => {
        const res = spawnSync(
            process.execPath,
            [
                "--require",
                "ts-node/register/transpile-only",
                "scripts/plan-diff.ts",
                path.join(dir, "shipped"),
                path.join(dir, "big"),
            ],
            { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
        );
        assert.equal(res.status, 0, res.stderr);
        assert.match(res.stdout, /^## Offline review of this change\n/);
        assert.match(res.stdout, /### Stack `infra`/);
    });
});
