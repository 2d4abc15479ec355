/**
 * One model of the topology (components/postgres/topology.ts): which cluster serves, the labels of
 * every cluster's instances, what each pooler targets, the hosts. The pure model first, then one
 * run of the infra program under a drill and under a cut-over, checking that every consumer (the
 * Poolers, the SQL provider's dependency, the outputs, the network policies and the alerts) names
 * the same serving cluster.
 *
 * Labels, read in CloudNativePG at v1.26.1 and at v1.30.0 (same keys and values at both):
 * pkg/specs/pgbouncer/deployments.go labels pooler pods cnpg.io/poolerName, cnpg.io/podRole:
 * pooler and cnpg.io/cluster: <the Pooler's spec.cluster.name>; pkg/specs/pods.go labels instances
 * cnpg.io/cluster and cnpg.io/podRole: instance; pkg/specs/jobs.go labels the join Job
 * cnpg.io/cluster and cnpg.io/jobRole.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../components/config";
import { colocatedTopology } from "../components/apps/spec";
import { sharedTopology, topology } from "../components/postgres/topology";
import { fixtureSettings, runStack, toConfigMap, unwrap, type Run } from "./mocks";

type Settings = Record<string, any>;

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const SQL_PROVIDER = "pulumi:providers:postgresql";

function infraSettings(edit?: (s: Settings) => void): Settings {
    const s = structuredClone(fixtureSettings("infra")) as Settings;
    edit?.(s);
    return s;
}

const withRecovery = (cutOver: boolean) =>
    infraSettings((s) => {
        s["platform:postgres"].recovery = { name: "shared-postgres-r1", instances: 1, cutOver };
    });

describe("topology model", () => {
    const tenants = [
        { name: "harbor", pooler: { enabled: true } },
        { name: "gitlab", pooler: { enabled: true, global: true } },
        { name: "direct", pooler: { enabled: false } },
    ];
    const base = { name: "shared-postgres", namespace: "cnpg-system", instances: 3 };

    it("without recovery: the configured cluster serves, poolers target it with CNPG's pod labels", () => {
        const t = sharedTopology(base, tenants);
        assert.equal(t.serving.name, "shared-postgres");
        assert.deepEqual(
            t.clusters.map((c) => `${c.name}:${c.role}`),
            ["shared-postgres:serving"],
        );
        assert.deepEqual(t.serving.instanceLabels, {
            "cnpg.io/cluster": "shared-postgres",
            "cnpg.io/podRole": "instance",
        });
        assert.equal(t.serving.rwHost, "shared-postgres-rw.cnpg-system.svc");
        assert.deepEqual(t.poolers[1], {
            tenant: "gitlab",
            name: "gitlab-pooler",
            namespace: "cnpg-system",
            target: "shared-postgres",
            podLabels: {
                "cnpg.io/cluster": "shared-postgres",
                "cnpg.io/podRole": "pooler",
                "cnpg.io/poolerName": "gitlab-pooler",
            },
            selector: { "cnpg.io/poolerName": "gitlab-pooler" },
            host: "gitlab-pooler.cnpg-system.svc",
            global: true,
        });
        assert.deepEqual(t.tenants.direct, {
            host: "shared-postgres-rw.cnpg-system.svc",
            service: "shared-postgres-rw",
        });
    });

    it("a drill: the current cluster keeps serving, the restored one is a standby", () => {
        const t = sharedTopology(
            { ...base, recovery: { name: "shared-postgres-r1", cutOver: false, instances: 1 } },
            tenants,
        );
        assert.deepEqual(
            t.clusters.map((c) => `${c.name}:${c.role}:${c.instances}:${c.serverName}`),
            [
                "shared-postgres:serving:3:shared-postgres",
                "shared-postgres-r1:standby:1:shared-postgres-r1",
            ],
        );
        assert.ok(t.poolers.every((p) => p.target === "shared-postgres"));
        assert.equal(t.tenants.direct?.host, "shared-postgres-rw.cnpg-system.svc");
    });

    it("a cut-over: the restored cluster serves, every pooler and direct host follows it, the old one is a standby", () => {
        const t = sharedTopology(
            {
                ...base,
                recovery: { name: "shared-postgres-r1", cutOver: true, serverName: "shared-r1" },
            },
            tenants,
        );
        assert.equal(t.serving.name, "shared-postgres-r1");
        assert.equal(t.serving.serverName, "shared-r1");
        assert.equal(t.serving.instances, 3);
        assert.equal(t.serving.instancesKey, "postgres.recovery.instances");
        assert.deepEqual(
            t.clusters.map((c) => `${c.name}:${c.role}`),
            ["shared-postgres-r1:serving", "shared-postgres:standby"],
        );
        assert.deepEqual(
            t.poolers.map((p) => `${p.name}→${p.target}:${p.podLabels["cnpg.io/cluster"]}`),
            [
                "harbor-pooler→shared-postgres-r1:shared-postgres-r1",
                "gitlab-pooler→shared-postgres-r1:shared-postgres-r1",
            ],
        );
        // Applications behind a pooler keep their host; a direct one moves to the new -rw.
        assert.equal(t.tenants.harbor?.host, "harbor-pooler.cnpg-system.svc");
        assert.equal(t.tenants.direct?.host, "shared-postgres-r1-rw.cnpg-system.svc");
    });

    it("models a co-located cluster the same way, with its application's config key", () => {
        const t = topology(
            {
                name: "kubekloud-postgres",
                namespace: "kubekloud",
                instances: 2,
                instancesKey: "applications[3].postgres.instances",
                recovery: { name: "kubekloud-restore", cutOver: true },
            },
            [],
        );
        assert.equal(t.serving.name, "kubekloud-restore");
        assert.equal(t.serving.instancesKey, "applications[3].postgres.recovery.instances");
        assert.deepEqual(t.poolers, []);
    });

    it("colocatedTopology reads an application's postgres block", () => {
        const cfg = parseConfig(toConfigMap(fixtureSettings("apps")));
        const app = cfg.applications.find((a) => a.postgres);
        assert.ok(app, "the apps fixture has a co-located cluster");
        const t = colocatedTopology(app, 0);
        assert.equal(t?.serving.name, `${app.name}-postgres`);
        assert.deepEqual(t?.serving.instanceLabels, {
            "cnpg.io/cluster": `${app.name}-postgres`,
            "cnpg.io/podRole": "instance",
        });
    });
});

describe("every consumer reads the one topology", () => {
    const runs: Record<string, Run> = {};
    before(async () => {
        runs.drill = await runStack("infra", toConfigMap(withRecovery(false)));
        runs.cutOver = await runStack("infra", toConfigMap(withRecovery(true)));
    });

    const cases = [
        { run: "drill", serving: "shared-postgres", standby: "shared-postgres-r1" },
        { run: "cutOver", serving: "shared-postgres-r1", standby: "shared-postgres" },
    ] as const;

    for (const c of cases) {
        describe(c.run === "drill" ? "a drill" : "a cut-over", () => {
            it(`points every Pooler at ${c.serving}`, () => {
                const run = runs[c.run]!;
                const poolers = run.all(POOLER).map((r) => unwrap(r.inputs) as any);
                assert.equal(poolers.length, 3);
                for (const p of poolers) assert.equal(p.spec.cluster.name, c.serving);
            });

            it(`makes the SQL provider wait for ${c.serving}`, () => {
                const run = runs[c.run]!;
                const provider = run.get(SQL_PROVIDER, "shared-postgres");
                assert.ok(
                    provider.dependencies.some((d) => d.endsWith(`${CLUSTER}::${c.serving}`)),
                    provider.dependencies.join(", "),
                );
            });

            it(`writes ${c.serving} into the outputs`, () => {
                const out = runs[c.run]!.outputs as any;
                assert.equal(out.postgres.cluster, c.serving);
                assert.equal(out.postgres.rwHost, `${c.serving}-rw.cnpg-system.svc`);
            });

            it("polices both clusters' instances, and only the serving one admits the poolers", () => {
                const run = runs[c.run]!;
                const spec = (name: string) => (run.inputs(CNP, `cnpg-system/${name}`) as any).spec;
                const serving = spec(`${c.serving}-instances`);
                const standby = spec(`${c.standby}-instances`);
                assert.deepEqual(serving.endpointSelector.matchLabels, {
                    "cnpg.io/cluster": c.serving,
                    "cnpg.io/podRole": "instance",
                });
                assert.deepEqual(standby.endpointSelector.matchLabels, {
                    "cnpg.io/cluster": c.standby,
                    "cnpg.io/podRole": "instance",
                });
                const poolerPeers = (s: any) =>
                    s.ingress
                        .flatMap((r: any) => r.fromEndpoints ?? [])
                        .filter((e: any) => e.matchLabels["cnpg.io/podRole"] === "pooler")
                        .map((e: any) => e.matchLabels["cnpg.io/cluster"]);
                assert.deepEqual(poolerPeers(serving), [c.serving, c.serving, c.serving]);
                assert.deepEqual(poolerPeers(standby), []);
                const egress = spec("gitlab-pooler").egress[0].toEndpoints[0].matchLabels;
                assert.equal(egress["cnpg.io/cluster"], c.serving);
            });

            it(`watches ${c.serving} in the alerts`, () => {
                const rule = unwrap(runs[c.run]!.all(RULE)[0]?.inputs) as any;
                const exprs: string[] = rule.spec.groups.flatMap((g: any) =>
                    g.rules.map((r: any) => r.expr),
                );
                const instances = (cluster: string) => `pod=~"${cluster}-[0-9]+"`;
                assert.ok(exprs.some((e) => e.includes(instances(c.serving))));
                assert.ok(!exprs.some((e) => e.includes(instances(c.standby))));
            });
        });
    }
});
