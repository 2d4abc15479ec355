/**
 * The apps cluster's policies (components/network/apps-policies.ts) as an allow/deny table over
 * the apps fixture config: the co-located cluster kubekloud-api-postgres, reached only from its
 * application's namespace, its peers and the operator of this cluster; every pod of it in default
 * deny; nothing from the infra cluster. Also its pg_hba (no plain TCP). Under both Cilium
 * defaults for selectors without a cluster (docs.cilium.io network/clustermesh/policy).
 *
 * Upstream: CNPG pkg/specs/pods.go and jobs.go (labels cnpg.io/cluster, cnpg.io/podRole,
 * cnpg.io/jobRole at 1.26.1 and 1.30.0); instance manager 8000 and metrics 9187
 * (pkg/management/url/url.go); Cilium Documentation/security/policy/layer3.rst "Ingress/Egress
 * Default Deny" (an ingress section with an empty rule). The operator, the Barman Cloud plugin and
 * the backup-metrics exporter get the infra cluster's system policies (same builder,
 * components/network/system-policies.ts), with this cluster as the local one: chart cloudnative-pg
 * 0.29.0 (CNPG 1.30.0) values.yaml `webhook.port` 9443 and templates/deployment.yaml probes on it;
 * chart plugin-barman-cloud 0.7.0 templates/deployment.yaml gRPC `:9090`.
 */
import assert from "node:assert/strict";
import { parseConfig, type PlatformConfig } from "../components/config";
import { buildColocatedClusterSpec } from "../components/apps/spec";
import { buildAppsNetworkPolicies } from "../components/network/apps-policies";
import { buildSystemPolicies } from "../components/network/system-policies";
import { allowed, type Peer, type Policy } from "./policy-eval";
import { fixtureSettings, toConfigMap } from "./mocks";
import { ip, pod, type Row } from "./policy-table";

const APPS = "apps";
const INFRA = "infra";
const NS = "kubekloud-api";
const CLUSTER = "kubekloud-api-postgres";

function appsWith(change: (s: Record<string, any>) => void = () => undefined): PlatformConfig {
    const s = structuredClone(fixtureSettings("apps")) as Record<string, any>;
    change(s);
    return parseConfig(toConfigMap(s));
}
const kubekloud = (s: Record<string, any>) =>
    s["platform:applications"].find((a: any) => a.name === "kubekloud-api");

function asPolicies(cfg: PlatformConfig): Policy[] {
    return [...buildAppsNetworkPolicies(cfg), ...buildSystemPolicies(cfg)].map((p) => ({
        apiVersion: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: { name: p.name, namespace: p.namespace },
        spec: p.spec,
    }));
}

const member = (cluster: string, n: number, from = APPS) =>
    pod(from, NS, {
        "cnpg.io/cluster": cluster,
        "cnpg.io/podRole": "instance",
        "cnpg.io/instanceName": `${cluster}-${n}`,
    });
const job = (cluster: string, role: string) =>
    pod(APPS, NS, { "cnpg.io/cluster": cluster, "cnpg.io/jobRole": role });
const operator = (cluster: string) =>
    pod(cluster, "cnpg-system", {
        "app.kubernetes.io/name": "cloudnative-pg",
        "app.kubernetes.io/instance": "cloudnative-pg",
    });
const app = pod(APPS, NS, { app: "kubekloud-api" });
const kubelet: Peer = { kind: "entity", entity: "host" };
const apiServer: Peer = { kind: "entity", entity: "kube-apiserver" };
const otherNode: Peer = { kind: "entity", entity: "remote-node" };
const plugin = pod(APPS, "cnpg-system", {
    "app.kubernetes.io/name": "plugin-barman-cloud",
    "app.kubernetes.io/instance": "plugin-barman-cloud",
});
const exporter = pod(APPS, "cnpg-system", {
    "app.kubernetes.io/name": "kube-state-metrics",
    "app.kubernetes.io/instance": "platform-backup-metrics",
    "app.kubernetes.io/component": "backup-metrics",
});

const ROWS: Row[] = [
    ["application → instance 5432", app, member(CLUSTER, 1), 5432, "allow"],
    ["application → instance manager 8000", app, member(CLUSTER, 1), 8000, "deny"],
    ["another namespace → instance 5432", pod(APPS, "gitlab"), member(CLUSTER, 1), 5432, "deny"],
    ["infra pod in a namespace of the same name → 5432", pod(INFRA, NS), member(CLUSTER, 1), 5432, "deny"],
    ["operator → instance manager 8000", operator(APPS), member(CLUSTER, 1), 8000, "allow"],
    ["operator → instance 5432", operator(APPS), member(CLUSTER, 1), 5432, "deny"],
    ["infra's operator → instance manager 8000", operator(INFRA), member(CLUSTER, 1), 8000, "deny"],
    ["kubelet → instance manager 8000 (probes)", kubelet, member(CLUSTER, 1), 8000, "allow"],
    ["monitoring → metrics 9187", pod(APPS, "monitoring"), member(CLUSTER, 1), 9187, "allow"],
    ["infra monitoring → metrics 9187", pod(INFRA, "monitoring"), member(CLUSTER, 1), 9187, "deny"],
    ["replica → primary 5432", member(CLUSTER, 2), member(CLUSTER, 1), 5432, "allow"],
    ["join job → primary 5432", job(CLUSTER, "join"), member(CLUSTER, 1), 5432, "allow"],
    ["another namespace → a job pod (default deny)", pod(APPS, "gitlab"), job(CLUSTER, "initdb"), 8000, "deny"],
    ["instance → MinIO 10.25.11.3:9000", member(CLUSTER, 1), ip("10.25.11.3"), 9000, "allow"],
    ["instance → the internet", member(CLUSTER, 1), ip("1.1.1.1"), 443, "deny"],
    ["instance → another namespace", member(CLUSTER, 1), pod(APPS, "gitlab"), 8080, "deny"],
    // The operator's webhook: from the API server and the kubelet (network.webhookEntities).
    ["API server → operator webhook 9443", apiServer, operator(APPS), 9443, "allow"],
    ["kubelet → operator webhook 9443 (probes)", kubelet, operator(APPS), 9443, "allow"],
    ["another node → operator webhook 9443", otherNode, operator(APPS), 9443, "deny"],
    ["application → operator webhook 9443", app, operator(APPS), 9443, "deny"],
    ["infra's operator → operator webhook 9443", operator(INFRA), operator(APPS), 9443, "deny"],
    ["monitoring → operator metrics 8080", pod(APPS, "monitoring"), operator(APPS), 8080, "allow"],
    ["infra monitoring → operator metrics 8080", pod(INFRA, "monitoring"), operator(APPS), 8080, "deny"],
    ["operator → instance manager 8000 (its egress open)", operator(APPS), member(CLUSTER, 1), 8000, "allow"],
    // The Barman Cloud plugin: gRPC 9090 from this cluster's operator and the kubelet only.
    ["operator → plugin gRPC 9090", operator(APPS), plugin, 9090, "allow"],
    ["kubelet → plugin 9090 (readiness)", kubelet, plugin, 9090, "allow"],
    ["infra's operator → plugin 9090", operator(INFRA), plugin, 9090, "deny"],
    ["instance → plugin 9090", member(CLUSTER, 1), plugin, 9090, "deny"],
    ["application → plugin 9090", app, plugin, 9090, "deny"],
    // The backup-metrics exporter: scraped from this cluster's monitoring, talks to the API server only.
    ["monitoring → exporter 8080", pod(APPS, "monitoring"), exporter, 8080, "allow"],
    ["kubelet → exporter telemetry 8081 (readiness)", kubelet, exporter, 8081, "allow"],
    ["monitoring → exporter telemetry 8081", pod(APPS, "monitoring"), exporter, 8081, "deny"],
    ["infra monitoring → exporter 8080", pod(INFRA, "monitoring"), exporter, 8080, "deny"],
    ["application → exporter 8080", app, exporter, 8080, "deny"],
    ["exporter → API server", exporter, apiServer, 443, "allow"],
    ["exporter → instance 5432", exporter, member(CLUSTER, 1), 5432, "deny"],
    ["exporter → the internet", exporter, ip("1.1.1.1"), 443, "deny"],
]; // prettier-ignore

describe("apps cluster network policies", () => {
    const policies = asPolicies(appsWith());

    it("renders an instances policy and a default deny per co-located cluster, in its namespace, and the operator's, the plugin's and the exporter's", () => {
        assert.deepEqual(
            policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
            [
                `${NS}/${CLUSTER}-instances`,
                `${NS}/${CLUSTER}-default-deny`,
                "cnpg-system/cnpg-operator",
                "cnpg-system/barman-cloud-plugin",
                "cnpg-system/platform-backup-metrics",
            ],
        );
    });

    it("keeps the operator's webhook policy alone without the plugin and with alerts off", () => {
        const cfg = appsWith((s) => {
            s["platform:cnpg"].barmanCloudPlugin = { enabled: false };
            for (const a of s["platform:applications"]) {
                if (a.postgres?.backup) delete a.postgres.backup;
            }
            s["platform:monitoring"] = { alerts: { enabled: false } };
        });
        assert.deepEqual(
            buildSystemPolicies(cfg).map((p) => `${p.namespace}/${p.name}`),
            ["cnpg-system/cnpg-operator"],
        );
    });

    for (const defaultLocalCluster of [false, true]) {
        for (const [name, from, to, port, want] of ROWS) {
            it(`${want}: ${name} (${defaultLocalCluster ? "local" : "all"} clusters default)`, () => {
                const got = allowed(policies, from, to, port, {
                    localCluster: APPS,
                    defaultLocalCluster,
                });
                assert.equal(got ? "allow" : "deny", want);
            });
        }
    }

    it("follows a cut-over: the application reaches the restored cluster, not the old one", () => {
        const cut = asPolicies(
            appsWith((s) => {
                kubekloud(s).postgres.recovery = { name: "kubekloud-restore", cutOver: true };
            }),
        );
        const o = { localCluster: APPS, defaultLocalCluster: false };
        assert.ok(allowed(cut, app, member("kubekloud-restore", 1), 5432, o));
        assert.ok(!allowed(cut, app, member(CLUSTER, 1), 5432, o));
        assert.ok(allowed(cut, member(CLUSTER, 2), member(CLUSTER, 1), 5432, o));
        assert.ok(!allowed(cut, member("kubekloud-restore", 1), member(CLUSTER, 1), 5432, o));
    });

    it("a drill: the application keeps the current cluster, the restored one is closed to it", () => {
        const drill = asPolicies(
            appsWith((s) => {
                kubekloud(s).postgres.recovery = { name: "kubekloud-restore" };
            }),
        );
        const o = { localCluster: APPS, defaultLocalCluster: true };
        assert.ok(allowed(drill, app, member(CLUSTER, 1), 5432, o));
        assert.ok(!allowed(drill, app, member("kubekloud-restore", 1), 5432, o));
        assert.ok(allowed(drill, operator(APPS), member("kubekloud-restore", 1), 8000, o));
    });

    it("refuses a co-located backup endpoint its egress policy cannot express", () => {
        assert.throws(
            () =>
                appsWith((s) => {
                    kubekloud(s).postgres.backup.endpointURL = "https://minio.monosense.io";
                    delete kubekloud(s).postgres.backup.allowHttp;
                }),
            /platform:applications\[2\]\.postgres\.backup\.endpointURL = "https:\/\/minio\.monosense\.io": is neither an IP address nor an in-cluster Service host/,
        );
    });

    it("reaches an in-cluster object store by endpoint", () => {
        const inCluster = asPolicies(
            appsWith((s) => {
                kubekloud(s).postgres.backup.endpointURL =
                    "http://minio-tenant-hl.minio-tenant.svc.cluster.local:9000";
            }),
        );
        const o = { localCluster: APPS, defaultLocalCluster: false };
        const minio = pod(APPS, "minio-tenant", { "v1.min.io/tenant": "minio-tenant" });
        assert.ok(allowed(inCluster, member(CLUSTER, 1), minio, 9000, o));
        assert.ok(!allowed(inCluster, member(CLUSTER, 1), ip("10.25.11.3"), 9000, o));
    });

    it("renders none with network.enabled false", () => {
        assert.deepEqual(
            asPolicies(appsWith((s) => (s["platform:network"] = { enabled: false }))),
            [],
        );
    });

    it("rejects plain TCP in the co-located cluster's pg_hba, like the shared cluster", () => {
        const cfg = appsWith();
        const a = cfg.applications.find((x) => x.name === "kubekloud-api")!;
        const spec = buildColocatedClusterSpec(a) as any;
        assert.deepEqual(spec.postgresql.pg_hba, ["hostnossl all all all reject"]);
    });
});
