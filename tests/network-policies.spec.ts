/**
 * The infra cluster's network policies as data: a table of (from, to, port) → allow/deny
 * evaluated against the policies the infra fixture config renders (tests/policy-eval.ts),
 * under both of Cilium's defaults for selectors without a cluster (≤ 1.18: every cluster of the
 * mesh; 1.19 policy-default-local-cluster: the local one; docs.cilium.io
 * network/clustermesh/policy). A change that opens or closes a path fails a row.
 *
 * Upstream facts the rows rely on: CloudNativePG 1.30.0 (as 1.26.1) ports 5432 (pkg/postgres/configuration.go
 * ServerPort), 8000 and 9187 (pkg/management/url/url.go StatusPort, PostgresMetricsPort), PgBouncer
 * 5432 and 9127 (pkg/management/pgbouncer/config/config.go, url.go PgBouncerMetricsPort); pod
 * labels cnpg.io/cluster, cnpg.io/podRole, cnpg.io/poolerName (pkg/utils/labels_annotations.go);
 * Dragonfly operator v1.6.1 pod labels app + app.kubernetes.io/name (internal/resources/const.go);
 * Cilium's io.cilium.k8s.policy.cluster label and service.cilium.io/shared
 * (pkg/annotation/k8s.go SharedService).
 */
import assert from "node:assert/strict";
import { stubServiceSpec } from "../components/apps/spec";
import { buildNetworkPolicies } from "../components/network/policies";
import { buildSystemPolicies } from "../components/network/system-policies";
import { buildDragonflyClientNetworkPolicy } from "../components/dragonfly/spec";
import type { ManagedDragonflyConfig } from "../components/dragonfly/config";
import { allowed, type Peer, type Policy } from "./policy-eval";
import { fixtureInfraRun, unwrap } from "./mocks";
import {
    APPS,
    asPolicies,
    harborCore,
    INFRA,
    ip,
    operator,
    pod,
    settingsWith,
    type Row,
} from "./policy-table";

const instance = (n: number, cluster = INFRA) =>
    pod(cluster, "cnpg-system", {
        "cnpg.io/cluster": "shared-postgres",
        "cnpg.io/podRole": "instance",
        "cnpg.io/instanceName": `shared-postgres-${n}`,
    });
const pooler = (tenant: string, cluster = INFRA) =>
    pod(cluster, "cnpg-system", {
        "cnpg.io/cluster": "shared-postgres",
        "cnpg.io/podRole": "pooler",
        "cnpg.io/poolerName": `${tenant}-pooler`,
    });
const dragonflyLabels = { app: "dragonfly", "app.kubernetes.io/name": "dragonfly" };
const dragonfly = pod(INFRA, "dragonfly", dragonflyLabels);
// Chart dragonfly-operator v1.6.1 templates/deployment.yaml and _helpers.tpl selectorLabels.
const dragonflyOperator = (cluster: string) =>
    pod(cluster, "dragonfly-operator-system", {
        "control-plane": "controller-manager",
        "app.kubernetes.io/name": "dragonfly-operator",
        "app.kubernetes.io/instance": "dragonfly-operator",
    });
const apiServer: Peer = { kind: "entity", entity: "kube-apiserver" };
const kubelet: Peer = { kind: "entity", entity: "host" };
const otherNode: Peer = { kind: "entity", entity: "remote-node" };
// Chart plugin-barman-cloud 0.7.0 _helpers.tpl selectorLabels (release plugin-barman-cloud).
const plugin = pod(INFRA, "cnpg-system", {
    "app.kubernetes.io/name": "plugin-barman-cloud",
    "app.kubernetes.io/instance": "plugin-barman-cloud",
});
const exporter = pod(INFRA, "cnpg-system", {
    "app.kubernetes.io/name": "kube-state-metrics",
    "app.kubernetes.io/instance": "platform-backup-metrics",
    "app.kubernetes.io/component": "backup-metrics",
});

const ROWS: Row[] = [
    // The instances: 5432 from the poolers and peers, 8000 from the operator and peers.
    ["harbor pooler → instance 5432", pooler("harbor"), instance(1), 5432, "allow"],
    ["gitlab pooler → instance 5432", pooler("gitlab"), instance(1), 5432, "allow"],
    ["pooler → instance manager 8000", pooler("harbor"), instance(1), 8000, "deny"],
    ["replica → primary 5432 (streaming)", instance(2), instance(1), 5432, "allow"],
    ["replica → primary 8000 (instance manager)", instance(2), instance(1), 8000, "allow"],
    [
        "join job (new replica's pg_basebackup) → primary 5432",
        pod(INFRA, "cnpg-system", {
            "cnpg.io/cluster": "shared-postgres",
            "cnpg.io/jobRole": "join",
        }),
        instance(1),
        5432,
        "allow",
    ],
    [
        "join job → instance manager 8000",
        pod(INFRA, "cnpg-system", {
            "cnpg.io/cluster": "shared-postgres",
            "cnpg.io/jobRole": "join",
        }),
        instance(1),
        8000,
        "deny",
    ],
    [
        "apps join job → primary 5432",
        pod(APPS, "cnpg-system", {
            "cnpg.io/cluster": "shared-postgres",
            "cnpg.io/jobRole": "join",
        }),
        instance(1),
        5432,
        "deny",
    ],
    ["operator → instance manager 8000", operator(INFRA), instance(1), 8000, "allow"],
    ["operator → instance 5432", operator(INFRA), instance(1), 5432, "deny"],
    ["kubelet probes → 8000", { kind: "entity", entity: "host" }, instance(1), 8000, "allow"],
    ["monitoring → metrics 9187", pod(INFRA, "monitoring"), instance(1), 9187, "allow"],
    ["monitoring → instance 5432", pod(INFRA, "monitoring"), instance(1), 5432, "deny"],
    // The shipped infra stack reaches PostgreSQL through a port-forward (inside the pod, where no
    // policy applies), not the admin LoadBalancer: nothing from the node network reaches 5432.
    ["admin network → instance 5432", ip("10.25.11.50"), instance(1), 5432, "deny"],
    ["outside the admin network → 5432", ip("10.99.0.7"), instance(1), 5432, "deny"],
    [
        "another node → instance 5432",
        { kind: "entity", entity: "remote-node" },
        instance(1),
        5432,
        "deny",
    ],
    [
        "another node → instance manager 8000",
        { kind: "entity", entity: "remote-node" },
        instance(1),
        8000,
        "deny",
    ],
    [
        "another node → pooler 5432",
        { kind: "entity", entity: "remote-node" },
        pooler("harbor"),
        5432,
        "deny",
    ],
    ["harbor pod → instance 5432 (bypassing its pooler)", harborCore, instance(1), 5432, "deny"],
    ["default namespace → instance 5432", pod(INFRA, "default"), instance(1), 5432, "deny"],
    // Nothing from apps reaches the instances, not even look-alikes of our own pods.
    ["apps gitlab → instance 5432", pod(APPS, "gitlab"), instance(1), 5432, "deny"],
    ["apps gitlab → instance manager 8000", pod(APPS, "gitlab"), instance(1), 8000, "deny"],
    ["apps CNPG operator → instance manager 8000", operator(APPS), instance(1), 8000, "deny"],
    ["apps pod labelled as a pooler → 5432", pooler("gitlab", APPS), instance(1), 5432, "deny"],
    ["apps CNPG instance → infra instance 5432", instance(1, APPS), instance(1), 5432, "deny"],
    ["apps monitoring → metrics 9187", pod(APPS, "monitoring"), instance(1), 9187, "deny"],
    // The instances' egress: object store, DNS, API server, peers; nothing else.
    ["instance → MinIO 10.25.11.3:9000", instance(1), ip("10.25.11.3"), 9000, "allow"],
    ["instance → MinIO's host on 22", instance(1), ip("10.25.11.3"), 22, "deny"],
    ["instance → the internet 443", instance(1), ip("1.1.1.1"), 443, "deny"],
    [
        "instance → kube-apiserver",
        instance(1),
        { kind: "entity", entity: "kube-apiserver" },
        6443,
        "allow",
    ],
    ["instance → harbor pod", instance(1), harborCore, 8080, "deny"],
    // Poolers: each from its tenant's namespaces only.
    ["harbor → harbor pooler 5432", harborCore, pooler("harbor"), 5432, "allow"],
    ["keycloak → keycloak pooler 5432", pod(INFRA, "keycloak"), pooler("keycloak"), 5432, "allow"],
    ["keycloak → harbor pooler 5432", pod(INFRA, "keycloak"), pooler("harbor"), 5432, "deny"],
    ["harbor → gitlab pooler 5432", harborCore, pooler("gitlab"), 5432, "deny"],
    [
        "apps gitlab → gitlab pooler 5432 (ClusterMesh)",
        pod(APPS, "gitlab"),
        pooler("gitlab"),
        5432,
        "allow",
    ],
    [
        "infra gitlab namespace → gitlab pooler",
        pod(INFRA, "gitlab"),
        pooler("gitlab"),
        5432,
        "deny",
    ],
    ["apps synergyflow → gitlab pooler", pod(APPS, "synergyflow"), pooler("gitlab"), 5432, "deny"],
    ["apps gitlab → harbor pooler", pod(APPS, "gitlab"), pooler("harbor"), 5432, "deny"],
    ["apps harbor namespace → harbor pooler", pod(APPS, "harbor"), pooler("harbor"), 5432, "deny"],
    [
        "apps keycloak namespace → keycloak pooler",
        pod(APPS, "keycloak"),
        pooler("keycloak"),
        5432,
        "deny",
    ],
    ["monitoring → pooler metrics 9127", pod(INFRA, "monitoring"), pooler("gitlab"), 9127, "allow"],
    ["default namespace → harbor pooler", pod(INFRA, "default"), pooler("harbor"), 5432, "deny"],
    // Dragonfly: Harbor (infra), its peers and the scrapers.
    ["harbor → dragonfly 6379", harborCore, dragonfly, 6379, "allow"],
    ["apps harbor namespace → dragonfly 6379", pod(APPS, "harbor"), dragonfly, 6379, "deny"],
    ["default namespace → dragonfly 6379", pod(INFRA, "default"), dragonfly, 6379, "deny"],
    ["monitoring → dragonfly metrics 6379", pod(INFRA, "monitoring"), dragonfly, 6379, "allow"],
    ["dragonfly replica → master 6379 (replication uses 9999)", dragonfly, dragonfly, 6379, "deny"],
    // The password-less admin port (operator v1.6.1 --admin_nopass on 9999): the operator and the
    // instance's own pods (replicas run SLAVEOF <master> 9999), in this cluster only.
    ["dragonfly replica → master admin 9999", dragonfly, dragonfly, 9999, "allow"],
    ["dragonfly operator → admin 9999", dragonflyOperator(INFRA), dragonfly, 9999, "allow"],
    ["dragonfly operator → 6379", dragonflyOperator(INFRA), dragonfly, 6379, "deny"],
    ["apps dragonfly operator → admin 9999", dragonflyOperator(APPS), dragonfly, 9999, "deny"],
    [
        "apps dragonfly pod → admin 9999",
        pod(APPS, "dragonfly", dragonflyLabels),
        dragonfly,
        9999,
        "deny",
    ],
    ["harbor (a client) → admin 9999", harborCore, dragonfly, 9999, "deny"],
    ["default namespace → admin 9999", pod(INFRA, "default"), dragonfly, 9999, "deny"],
    [
        "dragonfly namespace, another pod → admin 9999",
        pod(INFRA, "dragonfly"),
        dragonfly,
        9999,
        "deny",
    ],
    ["dragonfly namespace, another pod → 6379", pod(INFRA, "dragonfly"), dragonfly, 6379, "deny"],
    ["monitoring → admin 9999", pod(INFRA, "monitoring"), dragonfly, 9999, "deny"],
    ["apps harbor namespace → admin 9999", pod(APPS, "harbor"), dragonfly, 9999, "deny"],
    // Harbor: the gateway to nginx, its own pods, the scrapers.
    ["gateway → harbor nginx 8080", pod(INFRA, "envoy-gateway-system"), harborCore, 8080, "allow"],
    ["gateway → harbor core 8001", pod(INFRA, "envoy-gateway-system"), harborCore, 8001, "deny"],
    [
        "harbor jobservice → core",
        pod(INFRA, "harbor", { component: "jobservice" }),
        harborCore,
        8080,
        "allow",
    ],
    ["monitoring → harbor metrics 8001", pod(INFRA, "monitoring"), harborCore, 8001, "allow"],
    ["default namespace → harbor", pod(INFRA, "default"), harborCore, 8080, "deny"],
    [
        "apps gateway namespace → harbor",
        pod(APPS, "envoy-gateway-system"),
        harborCore,
        8080,
        "deny",
    ],
    // The CNPG operator (chart cloudnative-pg 0.25.0): its webhook 9443 from the API server (every
    // Cluster, Pooler, Backup apply) and the kubelet (probes on /readyz 9443); metrics 8080.
    ["API server → operator webhook 9443", apiServer, operator(INFRA), 9443, "allow"],
    ["kubelet → operator webhook 9443 (probes)", kubelet, operator(INFRA), 9443, "allow"],
    ["another node → operator webhook 9443", otherNode, operator(INFRA), 9443, "deny"],
    ["default namespace → operator webhook", pod(INFRA, "default"), operator(INFRA), 9443, "deny"],
    ["instance → operator webhook", instance(1), operator(INFRA), 9443, "deny"],
    ["apps operator → infra operator 9443", operator(APPS), operator(INFRA), 9443, "deny"],
    ["API server → operator 8080", apiServer, operator(INFRA), 8080, "deny"],
    [
        "monitoring → operator metrics 8080",
        pod(INFRA, "monitoring"),
        operator(INFRA),
        8080,
        "allow",
    ],
    ["default namespace → operator 8080", pod(INFRA, "default"), operator(INFRA), 8080, "deny"],
    [
        "operator → instance manager 8000 (its egress open)",
        operator(INFRA),
        instance(1),
        8000,
        "allow",
    ],
    ["operator → API server (its egress open)", operator(INFRA), apiServer, 443, "allow"],
    // The Barman Cloud plugin (chart 0.7.0): gRPC 9090 from the operator and the kubelet only.
    ["operator → plugin gRPC 9090", operator(INFRA), plugin, 9090, "allow"],
    ["kubelet → plugin 9090 (readiness)", kubelet, plugin, 9090, "allow"],
    ["apps operator → infra plugin 9090", operator(APPS), plugin, 9090, "deny"],
    ["instance → plugin 9090", instance(1), plugin, 9090, "deny"],
    ["default namespace → plugin 9090", pod(INFRA, "default"), plugin, 9090, "deny"],
    // The backup-metrics exporter: scraped from monitoring, talks to the API server only.
    ["monitoring → exporter 8080", pod(INFRA, "monitoring"), exporter, 8080, "allow"],
    ["kubelet → exporter telemetry 8081 (readiness)", kubelet, exporter, 8081, "allow"],
    ["monitoring → exporter telemetry 8081", pod(INFRA, "monitoring"), exporter, 8081, "deny"],
    ["default namespace → exporter 8080", pod(INFRA, "default"), exporter, 8080, "deny"],
    ["apps monitoring → exporter 8080", pod(APPS, "monitoring"), exporter, 8080, "deny"],
    ["exporter → API server", exporter, apiServer, 443, "allow"],
    ["exporter → instance 5432", exporter, instance(1), 5432, "deny"],
    ["exporter → the internet", exporter, ip("1.1.1.1"), 443, "deny"],
];

describe("network policies of the infra fixture config", () => {
    let policies: Policy[];
    before(async () => {
        const run = await fixtureInfraRun();
        policies = run.registrations
            .filter((r) => /:(CiliumNetworkPolicy|NetworkPolicy)$/.test(r.type))
            .map((r) => unwrap(r.inputs) as Policy);
    });

    it("renders one CiliumNetworkPolicy per instance set, pooler, Dragonfly, Harbor, the operator, the plugin and the exporter, and no NetworkPolicy", () => {
        assert.deepEqual(
            policies.map((p) => `${p.kind} ${p.metadata.namespace}/${p.metadata.name}`).sort(),
            [
                "CiliumNetworkPolicy cnpg-system/barman-cloud-plugin",
                "CiliumNetworkPolicy cnpg-system/cnpg-operator",
                "CiliumNetworkPolicy cnpg-system/gitlab-pooler",
                "CiliumNetworkPolicy cnpg-system/harbor-pooler",
                "CiliumNetworkPolicy cnpg-system/keycloak-pooler",
                "CiliumNetworkPolicy cnpg-system/platform-backup-metrics",
                "CiliumNetworkPolicy cnpg-system/shared-postgres-instances",
                "CiliumNetworkPolicy dragonfly/dragonfly-clients",
                "CiliumNetworkPolicy harbor/harbor",
            ],
        );
    });

    for (const defaultLocalCluster of [false, true]) {
        describe(
            defaultLocalCluster
                ? "Cilium ≥ 1.19 default (local cluster)"
                : "Cilium ≤ 1.18 default (all clusters)",
            () => {
                for (const [name, from, to, port, want] of ROWS) {
                    it(`${want}: ${name}`, () => {
                        const got = allowed(policies, from, to, port, {
                            localCluster: INFRA,
                            defaultLocalCluster,
                        });
                        assert.equal(got ? "allow" : "deny", want);
                    });
                }
            },
        );
    }

    it("allows DNS to kube-dns over UDP and TCP from the instances", () => {
        const dns = pod(INFRA, "kube-system", { "k8s-app": "kube-dns" });
        const o = { localCluster: INFRA, defaultLocalCluster: false };
        assert.ok(allowed(policies, instance(1), dns, 53, o, "UDP"));
        assert.ok(allowed(policies, instance(1), dns, 53, o, "TCP"));
        assert.ok(!allowed(policies, instance(1), pod(INFRA, "kube-system"), 53, o, "UDP"));
    });
});

describe("network policies follow the config", () => {
    const o = { localCluster: INFRA, defaultLocalCluster: false };

    it("a namespace added to a tenant's clients reaches its pooler, and only that one", () => {
        const policies = asPolicies(
            settingsWith((s) => {
                s["platform:tenants"][1].clients.appsNamespaces.push("synergyflow");
            }),
        );
        assert.ok(allowed(policies, pod(APPS, "synergyflow"), pooler("gitlab"), 5432, o));
        assert.ok(!allowed(policies, pod(APPS, "synergyflow"), pooler("harbor"), 5432, o));
        assert.ok(!allowed(policies, pod(APPS, "synergyflow"), instance(1), 5432, o));
    });

    it("an admin source range moves with postgres.adminService.sourceRanges", () => {
        const policies = asPolicies(
            settingsWith((s) => {
                s["platform:postgres"].adminService.enabled = true;
                s["platform:postgres"].adminService.sourceRanges = ["10.25.11.40/29"];
            }),
        );
        assert.ok(allowed(policies, ip("10.25.11.42"), instance(1), 5432, o));
        assert.ok(!allowed(policies, ip("10.25.11.50"), instance(1), 5432, o));
        // externalTrafficPolicy Local keeps the client address: no node-wide entry.
        const node: Peer = { kind: "entity", entity: "remote-node" };
        assert.ok(!allowed(policies, node, instance(1), 5432, o));
    });

    it("the object store follows the backup endpoint, or network.objectStore", () => {
        const policies = asPolicies(
            settingsWith((s) => {
                s["platform:postgres"].backup.endpointURL = "https://minio.monosense.io";
                delete s["platform:postgres"].backup.allowHttp;
                s["platform:network"].objectStore = { cidrs: ["10.25.12.0/24"] };
            }),
        );
        assert.ok(allowed(policies, instance(1), ip("10.25.12.9"), 443, o));
        assert.ok(!allowed(policies, instance(1), ip("10.25.11.3"), 9000, o));
    });

    it("admits the other nodes to 5432 only while the admin Service does not keep the client address", () => {
        const node: Peer = { kind: "entity", entity: "remote-node" };
        const off = asPolicies(
            settingsWith((s) => {
                s["platform:postgres"].adminService = { enabled: false };
                s["platform:postgres"].admin = { host: "127.0.0.1", port: 15432 };
            }),
        );
        assert.ok(!allowed(off, node, instance(1), 5432, o));
        assert.ok(!allowed(off, ip("10.25.11.50"), instance(1), 5432, o));
    });

    it("refuses a global Dragonfly, which its infra-only policy would cut off from the apps cluster", () => {
        assert.throws(
            () => settingsWith((s) => (s["platform:dragonfly"].global = true)),
            /platform:dragonfly\.global = true: cannot be combined with network\.enabled/,
        );
    });

    it("refuses a hostname object store without network.objectStore.cidrs", () => {
        assert.throws(
            () =>
                settingsWith((s) => {
                    s["platform:postgres"].backup.endpointURL = "https://minio.monosense.io";
                    delete s["platform:postgres"].backup.allowHttp;
                }),
            /platform:network\.objectStore\.cidrs: must list the object store's addresses: postgres\.backup\.endpointURL https:\/\/minio\.monosense\.io is not an IP address/,
        );
    });

    it("refuses a global pooler without the apps namespaces that use it, and apps namespaces on a local pooler", () => {
        assert.throws(
            () => settingsWith((s) => delete s["platform:tenants"][1].clients),
            /platform:tenants\[1\]\.clients\.appsNamespaces: must list the apps cluster namespaces that use tenant "gitlab"/,
        );
        assert.throws(
            () =>
                settingsWith(
                    (s) => (s["platform:tenants"][2].clients = { appsNamespaces: ["keycloak"] }),
                ),
            /platform:tenants\[2\]\.clients\.appsNamespaces = \["keycloak"\]: needs pooler\.global: true/,
        );
    });

    it("renders none when switched off (the Dragonfly NetworkPolicy comes back)", () => {
        const cfg = settingsWith((s) => (s["platform:network"] = { enabled: false }));
        assert.deepEqual(buildNetworkPolicies(cfg), []);
        assert.deepEqual(buildSystemPolicies(cfg), []);
    });

    it("keeps the operator's webhook policy without the plugin and the exporter", () => {
        const cfg = settingsWith(
            (s) => (s["platform:cnpg"].barmanCloudPlugin = { enabled: false }),
        );
        assert.deepEqual(
            buildSystemPolicies(cfg).map((p) => p.name),
            ["cnpg-operator"],
        );
        assert.ok(allowed(asPolicies(cfg), apiServer, operator(INFRA), 9443, o));
    });

    it("admits the webhook to the entities of network.webhookEntities, remote-node only when listed", () => {
        const byDefault = asPolicies(settingsWith(() => undefined));
        assert.ok(!allowed(byDefault, otherNode, operator(INFRA), 9443, o));
        const widened = asPolicies(
            settingsWith(
                (s) =>
                    (s["platform:network"].webhookEntities = [
                        "kube-apiserver",
                        "host",
                        "remote-node",
                    ]),
            ),
        );
        assert.ok(allowed(widened, otherNode, operator(INFRA), 9443, o));
        assert.ok(allowed(widened, apiServer, operator(INFRA), 9443, o));
        assert.ok(!allowed(widened, otherNode, operator(INFRA), 8080, o));
        assert.ok(!allowed(widened, pod(INFRA, "default"), operator(INFRA), 9443, o));
    });

    it("refuses webhook entities without the kubelet's host, or with the host alone", () => {
        assert.throws(
            () => settingsWith((s) => (s["platform:network"].webhookEntities = ["kube-apiserver"])),
            /platform:network\.webhookEntities = \["kube-apiserver"\]: must include "host": the kubelet probes the operator's webhook port \(9443\)/,
        );
        assert.throws(
            () => settingsWith((s) => (s["platform:network"].webhookEntities = ["host"])),
            /platform:network\.webhookEntities = \["host"\]: must include "kube-apiserver" \(or "remote-node" or "cluster"\): with "host" alone/,
        );
        assert.throws(
            () => settingsWith((s) => (s["platform:network"].webhookEntities = ["world", "host"])),
            /platform:network\.webhookEntities/,
        );
    });

    it("moves the exporter's policy with its namespace", () => {
        const cfg = settingsWith(
            (s) => (s["platform:monitoring"] = { alerts: { namespace: "monitoring" } }),
        );
        const moved = pod(INFRA, "monitoring", exporter.kind === "pod" ? exporter.labels : {});
        const policies = asPolicies(cfg);
        assert.ok(allowed(policies, pod(INFRA, "monitoring"), moved, 8080, o));
        assert.ok(!allowed(policies, moved, ip("1.1.1.1"), 443, o));
        assert.ok(allowed(policies, moved, apiServer, 443, o));
    });

    it("shows why NetworkPolicy is not enough: Dragonfly's NetworkPolicy admits the apps cluster's harbor namespace up to Cilium 1.18", () => {
        const cfg = settingsWith(() => undefined);
        const np: Policy = {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "dragonfly-clients", namespace: "dragonfly" },
            spec: buildDragonflyClientNetworkPolicy(cfg.dragonfly as ManagedDragonflyConfig),
        };
        assert.ok(
            allowed([np], pod(APPS, "harbor"), dragonfly, 6379, {
                localCluster: INFRA,
                defaultLocalCluster: false,
            }),
        );
        assert.ok(
            !allowed(asPolicies(cfg), pod(APPS, "harbor"), dragonfly, 6379, {
                localCluster: INFRA,
                defaultLocalCluster: false,
            }),
        );
    });
});

describe("apps ClusterMesh stubs", () => {
    it('are global and shared "false": the apps cluster never contributes backends', () => {
        const { metadata } = stubServiceSpec({
            name: "gitlab-pooler",
            namespace: "cnpg-system",
            ports: [{ name: "pgbouncer", port: 5432 }],
            description: "pooler of tenant gitlab",
        });
        assert.deepEqual(metadata.annotations, {
            "service.cilium.io/global": "true",
            "service.cilium.io/shared": "false",
        });
    });
});
