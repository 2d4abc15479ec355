import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { findLeaks, nodeIds, redactInputs, type RenderedFiles } from "../scripts/render";
import { secretValue } from "../scripts/mock-runtime";
import { fixtureInfraRender, PROJECT_DIR, renderFixture, SECRET_PREFIX } from "./mocks";

/**
 * `npm run render` on a bad config, as its own process. Started when this file loads, so that its
 * start-up (ts-node compiling the program) runs on another core beside the other specs.
 */
const badConfigCli = (() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
    const bad = path.join(dir, "Pulumi.bad.yaml");
    fs.writeFileSync(
        bad,
        YAML.stringify({
            config: { "platform:role": "infra", "platform:cnpg": { replicas: 0 } },
        }),
    );
    const child = spawn(
        process.execPath,
        [
            "--require",
            "ts-node/register/transpile-only",
            "scripts/render.ts",
            "bad",
            "--config",
            bad,
            "--out",
            dir,
        ],
        { cwd: PROJECT_DIR, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdout.resume();
    return new Promise<{ res: { status: number | null; stderr: string }; dir: string }>(
        (resolve, reject) => {
            child.on("error", reject);
            child.on("close", (status) => resolve({ res: { status, stderr }, dir }));
        },
    );
})();

describe("offline render", () => {
    let first: RenderedFiles;
    let second: RenderedFiles;
    before(async () => {
        // The shared render of the fixture settings, and a fresh one to compare it with.
        first = await fixtureInfraRender();
        second = await renderFixture("infra");
    });

    it("prints the connection budget the program computes (what maxConnections must cover)", () => {
        assert.equal(
            first.notes?.[0],
            "connection budget: 373 of maxConnections 400 (role limits 180 + auth_query pools 180 + superuser 3 + system 10); headroom 27",
        );
    });

    it("prints each pin's support status after it (the day's; versions.spec.ts pins the text)", () => {
        assert.deepEqual(
            first.notes?.slice(1).map((n) => /^version [✓!✗] ([a-zA-Z.]+): /.exec(n)?.[1]),
            [
                "cnpg.chart.version",
                "cnpg.barmanCloudPlugin.chart.version",
                "postgres.imageName",
                "dragonfly.operator.chart.version",
                "harbor.chart.version",
            ],
        );
    });

    it("writes the contract's files", () => {
        for (const f of [
            "manifests.yaml",
            "resources.json",
            "graph.mmd",
            "releases/cloudnative-pg.yaml",
        ]) {
            assert.ok(f in first.files, `missing ${f}`);
        }
    });

    it("is byte-identical across two renders of the same config", () => {
        assert.deepEqual(Object.keys(first.files).sort(), Object.keys(second.files).sort());
        for (const [file, content] of Object.entries(first.files)) {
            assert.equal(second.files[file], content, `${file} differs between renders`);
        }
    });

    it("redacts every secret and leaks no generated value", () => {
        assert.deepEqual(findLeaks(first.files), []);
        const docs = YAML.parseAllDocuments(first.files["manifests.yaml"] ?? "").map(
            (d) => d.toJS() as Record<string, any>,
        );
        const secret = docs.find(
            (d) => d.kind === "Secret" && d.metadata.name === "harbor-db-credentials",
        );
        assert.deepEqual(secret?.stringData, { username: "[secret]", password: "[secret]" });
    });

    it("detects a leak", () => {
        assert.deepEqual(
            findLeaks({ "a.yaml": `x: 1\npassword: ${SECRET_PREFIX}harbor-db-password\n` }),
            [`a.yaml: password: ${SECRET_PREFIX}harbor-db-password`],
        );
    });

    it("orders manifests by apiVersion, kind, namespace, name", () => {
        const docs = YAML.parseAllDocuments(first.files["manifests.yaml"] ?? "").map(
            (d) =>
                d.toJS() as {
                    apiVersion: string;
                    kind: string;
                    metadata: { name: string; namespace?: string };
                },
        );
        const keys = docs.map((d) =>
            [d.apiVersion, d.kind, d.metadata.namespace ?? "", d.metadata.name].join("|"),
        );
        assert.deepEqual(
            keys,
            [...keys].sort((a, b) => a.localeCompare(b)),
        );
        assert.ok(docs.some((d) => d.kind === "Cluster" && d.metadata.name === "shared-postgres"));
        assert.equal(docs.filter((d) => d.kind === "Pooler").length, 3);
    });

    it("records each resource with the contract's fields", () => {
        const rows = JSON.parse(first.files["resources.json"] ?? "[]") as Record<string, unknown>[];
        assert.ok(rows.length > 40);
        for (const row of rows) {
            assert.deepEqual(Object.keys(row).sort(), [
                "custom",
                "dependencies",
                "import",
                "inputs",
                "name",
                "parent",
                "protect",
                "retainOnDelete",
                "type",
            ]);
        }
        const types = new Set(rows.map((r) => r.type));
        for (const t of [
            "postgresql:index/role:Role",
            "postgresql:index/database:Database",
            "postgresql:index/grant:Grant",
            "onepassword:index/item:Item",
            "kubernetes:postgresql.cnpg.io/v1:Cluster",
        ]) {
            assert.ok(types.has(t), `no ${t}`);
        }
    });

    it("writes each Helm release's chart coordinates and values", () => {
        const rel = YAML.parse(first.files["releases/cloudnative-pg.yaml"] ?? "") as Record<
            string,
            unknown
        >;
        assert.equal(rel.name, "cloudnative-pg");
        assert.equal(rel.namespace, "cnpg-system");
        assert.equal(rel.chart, "cloudnative-pg");
        assert.equal(rel.version, "0.29.0");
        assert.equal(rel.repository, "https://cloudnative-pg.github.io/charts");
        assert.equal((rel.values as { replicaCount: number }).replicaCount, 1);
    });

    it("draws the dependency graph with ids from type and name, grouped by component", () => {
        const g = first.files["graph.mmd"] ?? "";
        assert.match(g, /^flowchart LR\n/);
        assert.ok(g.includes("kubernetes:postgresql.cnpg.io/v1:Cluster<br/>shared-postgres"));
        assert.ok(g.split("\n").some((l) => / --> /.test(l)));
        // The harbor tenant's Pooler sits in its Tenant component's subgraph.
        const lines = g.split("\n");
        const start = lines.indexOf(
            `  subgraph Tenant_harbor["platform:postgres:Tenant<br/>harbor"]`,
        );
        assert.ok(start > 0, "no subgraph for the harbor tenant");
        const inside = lines.slice(start, lines.indexOf("  end", start));
        assert.ok(
            inside.some((l) => l.trim().startsWith(`Pooler_harbor_pooler["`)),
            inside.join("\n"),
        );
        // Every node id is unique.
        const ids = lines
            .map((l) => /^\s+(?:subgraph )?([A-Za-z0-9_]+)\[/.exec(l)?.[1])
            .filter(Boolean);
        assert.equal(new Set(ids).size, ids.length);
    });

    // @pulumi/kubernetes 4.34.2 core/v1/secret.js wraps the whole stringData in pulumi.secret, so
    // the render reads the Secret's plain-keys annotation; the leak check still guards it.
    it("shows only the keys a Secret's plain-keys annotation names, and a wrongly named one leaks loudly", () => {
        const inputs = (plain: string) => ({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "x", annotations: { "platform.monosense.io/plain-keys": plain } },
            stringData: secretValue({ host: "h", password: `${SECRET_PREFIX}x-password` }),
        });
        assert.deepEqual(redactInputs(inputs("host")).stringData, {
            host: "h",
            password: "[secret]",
        });
        const wrong = JSON.stringify(redactInputs(inputs("host,password")));
        assert.equal(findLeaks({ "resources.json": wrong }).length, 1);
        const none = redactInputs({ ...inputs("host"), metadata: { name: "x" } });
        assert.deepEqual(none.stringData, { host: "[secret]", password: "[secret]" });
    });

    it("gives colliding node ids a suffix from the full ref", () => {
        const ids = nodeIds([
            "platform:dragonfly:Dragonfly::dragonfly",
            "kubernetes:dragonflydb.io/v1alpha1:Dragonfly::dragonfly",
            "kubernetes:core/v1:Secret::a-b",
            "kubernetes:core/v1:Secret::a.b",
            "kubernetes:core/v1:Namespace::harbor",
        ]);
        assert.equal(new Set(ids.values()).size, 5);
        assert.equal(ids.get("kubernetes:core/v1:Namespace::harbor"), "Namespace_harbor");
        assert.match(ids.get("kubernetes:core/v1:Secret::a-b") ?? "", /^Secret_a_b_[0-9a-f]{8}$/);
    });

    it("renders Harbor and Dragonfly on infra", () => {
        for (const f of ["releases/harbor.yaml", "releases/dragonfly-operator.yaml"]) {
            assert.ok(f in first.files, `missing ${f}`);
        }
        const docs = YAML.parseAllDocuments(first.files["manifests.yaml"] ?? "").map((d) =>
            d.toJS(),
        );
        const kinds = docs.map((d: any) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`);
        for (const k of [
            "Dragonfly/dragonfly/dragonfly",
            "HTTPRoute/harbor/harbor",
            "Namespace/undefined/harbor",
        ]) {
            assert.ok(kinds.includes(k), `missing ${k}`);
        }
    });

    describe("apps stack", () => {
        let apps: RenderedFiles;
        let docs: any[];
        before(async () => {
            apps = await renderFixture("apps", first.result.outputs);
            docs = YAML.parseAllDocuments(apps.files["manifests.yaml"] ?? "").map((d) => d.toJS());
        });
        const find = (kind: string, ns: string, name: string) =>
            docs.find(
                (d) => d.kind === kind && d.metadata.namespace === ns && d.metadata.name === name,
            );

        it("renders without an infra stack too, leaking nothing", async () => {
            const placeholders = await renderFixture("apps");
            assert.deepEqual(findLeaks(placeholders.files), []);
            assert.deepEqual(findLeaks(apps.files), []);
        });

        it("holds a redacted dockerconfigjson pull secret for each app with a Harbor project", () => {
            for (const [ns, name] of [
                ["synergyflow", "harbor-registry-secret"],
                ["kubekloud-api", "harbor-regcred"],
            ] as const) {
                const secret = find("Secret", ns, name);
                assert.equal(secret?.type, "kubernetes.io/dockerconfigjson", ns);
                assert.deepEqual(secret?.stringData, { ".dockerconfigjson": "[secret]" });
            }
        });

        it("points GitLab's connection secret at the global pooler Service, only what carries the password redacted", () => {
            const secret = find("Secret", "gitlab", "gitlab-database");
            assert.ok(secret, "no gitlab/gitlab-database Secret");
            assert.deepEqual(secret.stringData, {
                host: "gitlab-pooler.cnpg-system.svc.cluster.local",
                port: "5432",
                database: "gitlabhq_production",
                username: "gitlab_app",
                sslmode: "require",
                password: "[secret]",
                uri: "[secret]",
                dsn: "[secret]",
            });
            const stub = find("Service", "cnpg-system", "gitlab-pooler");
            assert.equal(stub?.metadata.annotations["service.cilium.io/global"], "true");
            assert.equal(stub?.spec.selector, undefined);
        });

        it("holds the co-located cluster of kubekloud-api", () => {
            const cluster = find("Cluster", "kubekloud-api", "kubekloud-api-postgres");
            assert.equal(cluster?.spec.bootstrap.initdb.database, "kubekloud");
        });
    });

    it("exits non-zero with the config error on stderr for a bad config", async function () {
        this.timeout(30000);
        const { res, dir } = await badConfigCli;
        assert.equal(res.status, 1);
        assert.match(res.stderr, /platform:cnpg\.replicas = 0: must be a whole number from 1 to 5/);
        assert.match(res.stderr, /^invalid configuration \(1 problem\):/);
        assert.equal(fs.existsSync(path.join(dir, "manifests.yaml")), false);
    });
});
