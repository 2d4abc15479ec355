/**
 * The infra cluster's network policies, as CiliumNetworkPolicy (cilium.io/v2) specs. Pure.
 *
 * Why Cilium's policy and not Kubernetes NetworkPolicy: the infra and apps clusters form a Cilium
 * ClusterMesh, and pod identities (labels, namespace) are shared across it. A NetworkPolicy's
 * `namespaceSelector`/`podSelector` cannot name a cluster, and up to Cilium 1.18 a selector
 * without a cluster matches endpoints of every cluster in the mesh (docs.cilium.io
 * network/clustermesh/policy, "Preparing for a policy-default-local-cluster change"; 1.19 flips
 * the default to the local cluster). The apps cluster runs its own CNPG operator in `cnpg-system`
 * with the same labels as ours, so a NetworkPolicy admitting "the operator" to the instances
 * would admit the apps cluster's operator too; and the global gitlab-pooler must admit the apps
 * namespaces that use it (`gitlab`), which NetworkPolicy can only express as "any namespace
 * called gitlab, anywhere". CiliumNetworkPolicy selects on `io.cilium.k8s.policy.cluster` (the
 * agent's cluster-name), and every peer below names its cluster explicitly, so the policies mean
 * the same under either default. It also has `toEntities: [kube-apiserver]` for the instance
 * manager's API calls, which NetworkPolicy can only approximate with node IPs.
 *
 * Ports and labels, CloudNativePG 1.30.0 (the same as 1.26.1): PostgreSQL 5432 (pkg/postgres/configuration.go
 * ServerPort), instance manager status 8000 and metrics 9187 (pkg/management/url/url.go
 * StatusPort, PostgresMetricsPort), PgBouncer 5432 and metrics 9127
 * (pkg/management/pgbouncer/config/config.go PgBouncerPort, url.go PgBouncerMetricsPort); pod
 * labels cnpg.io/cluster, cnpg.io/podRole (instance | pooler), cnpg.io/poolerName
 * (pkg/utils/labels_annotations.go, pkg/specs/pgbouncer/deployments.go). The operator's pods carry
 * app.kubernetes.io/name: cloudnative-pg (chart cloudnative-pg 0.29.0, templates/_helpers.tpl
 * `cloudnative-pg.selectorLabels`). Dragonfly serves clients
 * and /metrics on 6379; its password-less admin port 9999 is reached by the operator and its own
 * pods only (./dragonfly.ts). Which cluster serves and what each pooler targets come from the
 * stack's topology (components/postgres/topology.ts): every cluster of a restore is policed.
 */
import type { StackRole } from "../schema";
import {
    CLUSTER_LABEL,
    instanceIngress,
    PORTS,
    peer,
    tcp,
    type CiliumPolicy,
    type CiliumRule,
    dnsEgress,
} from "./cilium";

export * from "./cilium";
import type { CnpgConfig } from "../cnpg/config";
import type { DragonflyConfig } from "../dragonfly/config";
import { HARBOR_TENANT, type HarborConfig } from "../harbor/config";
import type { PostgresConfig, TenantConfig } from "../postgres/config";
import { buildClusterSpec } from "../postgres/spec";
import {
    sharedTopology,
    type ClusterNode,
    type PoolerNode,
    type Topology,
} from "../postgres/topology";
import { dragonflyPolicy } from "./dragonfly";
import { objectStoreEgress } from "./object-store";
import type { NetworkConfig } from "./config";

/** The settings the policies are built from (the stack's config has them). */
export interface PolicyStackConfig {
    role: StackRole;
    cnpg: CnpgConfig;
    postgres?: PostgresConfig;
    tenants: TenantConfig[];
    dragonfly?: DragonflyConfig;
    harbor?: HarborConfig;
    network: NetworkConfig;
}

/** Whether the rendered admin Service has externalTrafficPolicy Local (client address kept). */
export function adminServicePreservesClient(pg: PostgresConfig, cfg: PolicyStackConfig): boolean {
    const spec = buildClusterSpec(pg, cfg.tenants) as {
        managed?: {
            services?: { additional?: { serviceTemplate?: { spec?: Record<string, unknown> } }[] };
        };
    };
    const svc = spec.managed?.services?.additional?.[0]?.serviceTemplate?.spec;
    return svc?.externalTrafficPolicy === "Local";
}

/** Local namespaces that reach a tenant's pooler: configured ones, plus Harbor's for its tenant. */
export function poolerClientNamespaces(cfg: PolicyStackConfig, tenantName: string): string[] {
    const t = cfg.tenants.find((x) => x.name === tenantName);
    const out = new Set(t?.clients?.namespaces ?? []);
    if (tenantName === HARBOR_TENANT && cfg.harbor) out.add(cfg.harbor.namespace);
    return [...out].sort();
}

/**
 * The ingress and egress of one cluster's instances. Every cluster of the topology gets one: the
 * serving cluster admits the poolers that target it and the admin sources; a standby (a drill, or
 * the old cluster after cut-over) admits only its own peers, the operator and the scrapers.
 */
function instancePolicy(
    cfg: PolicyStackConfig,
    pg: PostgresConfig,
    topo: Topology,
    c: ClusterNode,
): CiliumPolicy {
    const net = cfg.network;
    const local = net.clusterName;
    const instances = { matchLabels: { ...c.instanceLabels, [CLUSTER_LABEL]: local } };
    const poolers = topo.poolers.filter((p) => p.target === c.name);
    const ingress: CiliumRule[] = [];
    if (poolers.length > 0) {
        ingress.push({
            fromEndpoints: poolers.map((p) => ({
                matchLabels: { ...p.podLabels, [CLUSTER_LABEL]: local },
            })),
            toPorts: tcp(PORTS.postgres),
        });
    }
    ingress.push(...instanceIngress(c, local, cfg.cnpg.namespace, net.monitoringNamespace));
    // The admin LoadBalancer belongs to the serving cluster (it moves on cut-over).
    if (
        c.role === "serving" &&
        pg.adminService.enabled &&
        pg.adminService.sourceRanges.length > 0
    ) {
        const rule: CiliumRule = {
            fromCIDR: [...pg.adminService.sourceRanges],
            toPorts: tcp(PORTS.postgres),
        };
        // With externalTrafficPolicy Cluster a node that does not hold the primary forwards the
        // admin connection with its own address (Cilium's kube-proxy replacement SNATs it), and
        // Cilium gives node addresses the remote-node identity, which no fromCIDR matches. Until
        // the admin Service keeps the client address (Local), those nodes must be admitted too.
        if (!adminServicePreservesClient(pg, cfg)) rule.fromEntities = ["remote-node"];
        ingress.push(rule);
    }
    const egress: CiliumRule[] = [
        { toEndpoints: [instances], toPorts: tcp(PORTS.postgres, PORTS.instanceManager) },
        dnsEgress(net),
        { toEntities: ["kube-apiserver"] },
        ...objectStoreEgress(pg, net),
    ];
    const from = poolers.length > 0 ? "its poolers, peers" : "its peers";
    const admin = c.role === "serving" && pg.adminService.enabled ? " and admin sources" : "";
    return {
        name: `${c.name}-instances`,
        namespace: c.namespace,
        spec: {
            description: `${c.name} instances (${c.role}): PostgreSQL from ${from}${admin}; instance manager from the operator and peers; metrics from ${net.monitoringNamespace}; all of it only within cluster ${local}`,
            endpointSelector: { matchLabels: c.instanceLabels },
            ingress,
            egress,
        },
    };
}

/** A tenant's pooler: from its clients; to the instances of the cluster it targets only. */
function poolerPolicy(cfg: PolicyStackConfig, topo: Topology, p: PoolerNode): CiliumPolicy {
    const net = cfg.network;
    const local = net.clusterName;
    const t = cfg.tenants.find((x) => x.name === p.tenant);
    const target = topo.clusters.find((c) => c.name === p.target);
    if (!target) throw new Error(`pooler ${p.name} targets ${p.target}, not in the topology`);
    const from = poolerClientNamespaces(cfg, p.tenant).map((ns) => peer(local, ns));
    if (p.global) {
        from.push(...(t?.clients?.appsNamespaces ?? []).map((ns) => peer(net.appsClusterName, ns)));
    }
    const rules: CiliumRule[] = [];
    if (from.length > 0) rules.push({ fromEndpoints: from, toPorts: tcp(PORTS.pgbouncer) });
    rules.push(
        {
            fromEndpoints: [peer(local, net.monitoringNamespace)],
            toPorts: tcp(PORTS.pgbouncerMetrics),
        },
        { fromEntities: ["host"], toPorts: tcp(PORTS.pgbouncer) },
    );
    return {
        name: p.name,
        namespace: p.namespace,
        spec: {
            description: `${p.name}: PgBouncer from the tenant's client namespaces only; to ${p.target} only`,
            endpointSelector: { matchLabels: p.selector },
            ingress: rules,
            egress: [
                {
                    toEndpoints: [
                        { matchLabels: { ...target.instanceLabels, [CLUSTER_LABEL]: local } },
                    ],
                    toPorts: tcp(PORTS.postgres),
                },
                dnsEgress(net),
                { toEntities: ["kube-apiserver"] },
            ],
        },
    };
}

/**
 * The infra cluster's policies. `topology` is the stack's model (components/postgres/topology.ts);
 * without it, the model of the config's shared cluster.
 */
export function buildNetworkPolicies(cfg: PolicyStackConfig, topology?: Topology): CiliumPolicy[] {
    const net = cfg.network;
    const pg = cfg.postgres;
    if (!net.enabled || cfg.role !== "infra" || !pg) return [];
    const local = net.clusterName;
    const topo = topology ?? sharedTopology(pg, cfg.tenants);
    const policies: CiliumPolicy[] = [
        ...topo.clusters.map((c) => instancePolicy(cfg, pg, topo, c)),
        ...topo.poolers.map((p) => poolerPolicy(cfg, topo, p)),
    ];

    const df = dragonflyPolicy(cfg.dragonfly, net);
    if (df) policies.push(df);

    const h = cfg.harbor;
    if (h) {
        policies.push({
            name: "harbor",
            namespace: h.namespace,
            spec: {
                description: `Harbor: its own pods, the gateway (${h.gateway.namespace}) to nginx and metrics, in cluster ${local} only`,
                endpointSelector: { matchLabels: {} },
                ingress: [
                    { fromEndpoints: [peer(local, h.namespace)] },
                    {
                        fromEndpoints: [peer(local, h.gateway.namespace)],
                        toPorts: tcp(PORTS.harborNginx),
                    },
                    {
                        fromEndpoints: [peer(local, net.monitoringNamespace)],
                        toPorts: tcp(PORTS.harborMetrics),
                    },
                    { fromEntities: ["host"] },
                ],
            },
        });
    }
    return policies;
}
