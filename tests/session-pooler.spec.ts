/**
 * A tenant's session-mode path (`pooler.session`): a second Pooler, `<tenant>-session-pooler`, in
 * session mode beside a transaction-mode one, for what transaction pooling breaks. PgBouncer's
 * doc/config.md (pgbouncer_1_24_1 and pgbouncer_1_25_1, pool_mode): in transaction mode "Server is released back to
 * pool after transaction finishes", and "clients must not use any session-based features"; so a
 * `pg_advisory_lock` taken by one client stays on a server connection the next client may get
 * (tests/integration/tier.int.ts shows it on a real PgBouncer). Rails takes such a lock around
 * migrations (ActiveRecord's migrator, unless `advisory_locks: false`).
 *
 * The model (components/postgres/topology.ts) carries it, so the Pooler, the server certificate,
 * the network policies, the connection budget, the infra outputs and the apps' ClusterMesh stub
 * and connection Secret all follow from one entry.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../components/config";
import { clusterBudget } from "../components/postgres/budget";
import { buildClusterSpec, buildPoolerSpec } from "../components/postgres/spec";
import { sharedTopology } from "../components/postgres/topology";
import { buildInfraOutputs } from "../components/contract/infra-outputs-build";
import { connectionSecretData } from "../components/apps/spec";
import { globalServices, parseInfraOutputs, tenantConnection } from "../components/apps/infra";
import { configProblems, fixtureSettings, runStack, toConfigMap, unwrap } from "./mocks";

type Settings = Record<string, any>;
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";

/** The infra fixture with gitlab's session pooler (its role's limit raised to cover it). */
function withSession(edit?: (gitlab: Settings, s: Settings) => void): Settings {
    const s = structuredClone(fixtureSettings("infra")) as Settings;
    const gitlab = (s["platform:tenants"] as Settings[]).find((t) => t.name === "gitlab")!;
    gitlab.pooler.session = { instances: 1, defaultPoolSize: 5 };
    gitlab.connectionLimit = (gitlab.connectionLimit as number) + 5;
    s["platform:postgres"].maxConnections = (s["platform:postgres"].maxConnections as number) + 10;
    edit?.(gitlab, s);
    return s;
}
const cfgOf = (s: Settings) => parseConfig(toConfigMap(s));

describe("session-mode path for migrations (pooler.session)", () => {
    const cfg = cfgOf(withSession());
    const pg = cfg.postgres!;
    const gitlab = cfg.tenants.find((t) => t.name === "gitlab")!;
    const topo = sharedTopology(pg, cfg.tenants);

    it("is a pooler of the model, beside the transaction one, targeting the serving cluster", () => {
        const e = topo.tenants.gitlab!;
        assert.equal(e.host, "gitlab-pooler.cnpg-system.svc");
        assert.equal(e.session?.name, "gitlab-session-pooler");
        assert.equal(e.session?.host, "gitlab-session-pooler.cnpg-system.svc");
        assert.equal(e.session?.target, "shared-postgres");
        assert.equal(e.session?.global, true);
        assert.deepEqual(
            topo.poolers.map((p) => p.name),
            ["harbor-pooler", "gitlab-pooler", "gitlab-session-pooler", "keycloak-pooler"],
        );
    });

    it("runs PgBouncer in session mode with its own size and the tenant's access rules", () => {
        const spec = buildPoolerSpec(pg, gitlab, topo.tenants.gitlab!.session) as Settings;
        const main = buildPoolerSpec(pg, gitlab, topo.tenants.gitlab!.pooler) as Settings;
        assert.equal(spec.instances, 1);
        assert.equal(spec.pgbouncer.poolMode, "session");
        assert.deepEqual(spec.pgbouncer.parameters, { default_pool_size: "5" });
        assert.deepEqual(spec.pgbouncer.pg_hba, main.pgbouncer.pg_hba);
        assert.equal(main.pgbouncer.poolMode, "transaction");
        assert.equal(spec.cluster.name, "shared-postgres");
        assert.deepEqual(spec.serviceTemplate, main.serviceTemplate);
        // Its pods are its own: nothing selecting gitlab-pooler's pods by prefix takes them.
        assert.ok(!"gitlab-session-pooler".startsWith("gitlab-pooler-"));
        const alt = (buildClusterSpec(pg, cfg.tenants) as Settings).certificates.serverAltDNSNames;
        assert.ok(alt.includes("gitlab-session-pooler.cnpg-system.svc.cluster.local"));
    });

    it("counts against the role's connectionLimit and max_connections, auth pools included", () => {
        const b = clusterBudget(pg, cfg.tenants).tenants.find((t) => t.tenant === "gitlab")!;
        const databases = gitlab.databases.length;
        assert.deepEqual(b.session, {
            instances: 1,
            defaultPoolSize: 5,
            serverConnections: databases * 5,
            authConnections: 5,
        });
        assert.equal(b.serverConnections, b.instances * b.perInstance + databases * 5);
        // One auth_query pool per session instance too, on postgres (auth_dbname).
        assert.equal(b.authConnections, b.instances * b.authPerInstance + 5);
        const tight = configProblems(
            toConfigMap(
                withSession((g) => (g.connectionLimit = (g.connectionLimit as number) - 5)),
            ),
        );
        assert.match(
            tight[0] ?? "",
            /^platform:tenants\[1\]\.connectionLimit = 60: tenant "gitlab": 3 pooler instances × 1 database × \(20 default_pool_size \+ 0 reserve_pool_size\) \+ session pooler 1 × 1 × 5 default_pool_size = 65 server connections, more than role gitlab_app's connectionLimit 60; .* raise connectionLimit to at least 65$/,
        );
    });

    it("refuses it beside a session pooler, on a name taken by another tenant's pooler, or too long", () => {
        const problems = (edit: (g: Settings, s: Settings) => void) =>
            configProblems(toConfigMap(withSession(edit)));
        assert.deepEqual(
            problems((g) => (g.pooler.poolMode = "session")),
            [
                `platform:tenants[1].pooler.session: is a session-mode pooler beside a transaction-mode one; tenant "gitlab"'s pooler is in session mode already (use it), so remove it`,
            ],
        );
        assert.deepEqual(
            problems((_g, s) =>
                s["platform:tenants"].push({
                    name: "gitlab-session",
                    role: "gitlab_session",
                    connectionLimit: 10,
                    databases: [{ name: "gs" }],
                    pooler: { instances: 1, parameters: { default_pool_size: "5" } },
                }),
            ),
            [
                'platform:tenants[1].pooler.session: gives Pooler "gitlab-session-pooler", the name of tenant "gitlab-session"\'s pooler; rename one of the tenants',
            ],
        );
        const long = "g".repeat(49);
        assert.deepEqual(
            problems((g) => (g.name = long)).filter((p) => p.includes("pooler.session")),
            [
                `platform:tenants[1].pooler.session: gives Pooler "${long}-session-pooler" (64 characters), longer than a Service name may be (63); shorten the tenant name to at most 48 characters`,
            ],
        );
    });

    it("is in the infra outputs, and the apps stack stubs it and writes sessionHost and sessionUri", () => {
        const out = buildInfraOutputs(cfg, () => "pw") as Settings;
        assert.equal(out.tenants.gitlab.sessionService, "gitlab-session-pooler");
        assert.equal(out.tenants.gitlab.sessionHost, "gitlab-session-pooler.cnpg-system.svc");
        assert.equal(out.tenants.harbor.sessionService, undefined);
        const view = parseInfraOutputs(out);
        assert.deepEqual(
            globalServices(view).map((s) => `${s.namespace}/${s.name}`),
            ["cnpg-system/gitlab-pooler", "cnpg-system/gitlab-session-pooler"],
        );
        const data = connectionSecretData({
            ...tenantConnection(view.tenants.gitlab!, "gitlabhq_production"),
            password: "p@ss",
        });
        assert.equal(data.host, "gitlab-pooler.cnpg-system.svc.cluster.local");
        assert.equal(data.sessionHost, "gitlab-session-pooler.cnpg-system.svc.cluster.local");
        assert.equal(
            data.sessionUri,
            "postgresql://gitlab_app:p%40ss@gitlab-session-pooler.cnpg-system.svc.cluster.local:5432/gitlabhq_production?sslmode=require",
        );
        // Without one, the Secret keeps its keys.
        const harbor = connectionSecretData({
            ...tenantConnection(view.tenants.harbor!, "harbor_registry"),
            password: "x",
        });
        assert.deepEqual(Object.keys(harbor), [
            "host", "port", "database", "username", "password", "sslmode", "uri", "dsn",
        ]); // prettier-ignore
    });

    it("the program creates it after the auth role, with a policy of its own to the serving cluster", async () => {
        const run = await runStack("infra", toConfigMap(withSession()));
        const pooler = run.get(POOLER, "gitlab-session-pooler");
        assert.deepEqual(
            [...pooler.dependencies].sort(),
            [...run.get(POOLER, "gitlab-pooler").dependencies].sort(),
        );
        assert.equal(pooler.parent, run.get(POOLER, "gitlab-pooler").parent);
        const policy = unwrap(run.inputs(CNP, "cnpg-system/gitlab-session-pooler")) as Settings;
        assert.deepEqual(policy.spec.endpointSelector.matchLabels, {
            "cnpg.io/poolerName": "gitlab-session-pooler",
        });
        assert.equal(
            policy.spec.egress[0].toEndpoints[0].matchLabels["cnpg.io/cluster"],
            "shared-postgres",
        );
        const instances = unwrap(
            run.inputs(CNP, "cnpg-system/shared-postgres-instances"),
        ) as Settings;
        assert.ok(
            JSON.stringify(instances.spec.ingress).includes(
                '"cnpg.io/poolerName":"gitlab-session-pooler"',
            ),
        );
        const outputs = run.outputs.tenants as Settings;
        assert.equal(outputs.gitlab.sessionService, "gitlab-session-pooler");
    });
});
