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
 * and /metrics on 6379; its admin port 9999 stays with the operator's own NetworkPolicy
 * (dragonfly-operator v1.6.1).
 */
import type { StackRole } from "../schema";
import type { CnpgConfig } from "../cnpg/config";
import type { DragonflyConfig } from "../dragonfly/config";
import { HARBOR_TENANT, type HarborConfig } from "../harbor/config";
import type { PostgresConfig, TenantConfig } from "../postgres/config";
import { buildClusterSpec, poolerName } from "../postgres/spec";
import { DRAGONFLY_PORT } from "../dragonfly/config";
import { dragonflyPodLabels } from "../dragonfly/spec";
import { objectStoreTarget, type NetworkConfig } from "./config";

export const CILIUM_POLICY_API_VERSION = "cilium.io/v2";
/** Label Cilium gives every endpoint: the cluster-name of its agent. */
export const CLUSTER_LABEL = "io.cilium.k8s.policy.cluster";
/** Label Cilium gives every endpoint: its namespace. */
export const NAMESPACE_LABEL = "k8s:io.kubernetes.pod.namespace";

export const PORTS = {
    postgres: 5432,
    instanceManager: 8000,
    postgresMetrics: 9187,
    pgbouncer: 5432,
    pgbouncerMetrics: 9127,
    dns: 53,
    harborNginx: 8080,
    harborMetrics: 8001,
} as const;

export const CNPG_OPERATOR_LABELS = { "app.kubernetes.io/name": "cloudnative-pg" };

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

export interface PortProtocol {
    port: string;
    protocol: "TCP" | "UDP" | "ANY";
}

export interface CiliumRule {
    fromEndpoints?: { matchLabels: Record<string, string> }[];
    toEndpoints?: { matchLabels: Record<string, string> }[];
    fromEntities?: string[];
    toEntities?: string[];
    fromCIDR?: string[];
    toCIDR?: string[];
    toPorts?: { ports: PortProtocol[] }[];
}

export interface CiliumPolicy {
    name: string;
    namespace: string;
    spec: {
        description: string;
        endpointSelector: { matchLabels: Record<string, string> };
        ingress?: CiliumRule[];
        egress?: CiliumRule[];
    };
}

export function tcp(...ports: number[]): { ports: PortProtocol[] }[] {
    return [{ ports: ports.map((p) => ({ port: String(p), protocol: "TCP" as const })) }];
}

/** Pods of namespace `ns` in cluster `cluster`, optionally with labels. */
export function peer(cluster: string, ns: string, labels: Record<string, string> = {}) {
    return { matchLabels: { [NAMESPACE_LABEL]: ns, [CLUSTER_LABEL]: cluster, ...labels } };
}

const dnsEgress = (net: NetworkConfig): CiliumRule => ({
    toEndpoints: [peer(net.clusterName, net.dns.namespace, net.dns.labels)],
    toPorts: [
        {
            ports: [
                { port: String(PORTS.dns), protocol: "UDP" },
                { port: String(PORTS.dns), protocol: "TCP" },
            ],
        },
    ],
});

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

export function buildNetworkPolicies(cfg: PolicyStackConfig): CiliumPolicy[] {
    const net = cfg.network;
    const pg = cfg.postgres;
    if (!net.enabled || cfg.role !== "infra" || !pg) return [];
    const local = net.clusterName;
    const instanceLabels = { "cnpg.io/cluster": pg.name, "cnpg.io/podRole": "instance" };
    const instances = { matchLabels: { ...instanceLabels, [CLUSTER_LABEL]: local } };
    const policies: CiliumPolicy[] = [];

    const ingress: CiliumRule[] = [
        {
            fromEndpoints: [
                {
                    matchLabels: {
                        "cnpg.io/cluster": pg.name,
                        "cnpg.io/podRole": "pooler",
                        [CLUSTER_LABEL]: local,
                    },
                },
            ],
            toPorts: tcp(PORTS.postgres),
        },
        { fromEndpoints: [instances], toPorts: tcp(PORTS.postgres, PORTS.instanceManager) },
        // A new replica is cloned by a Job pod (labels cnpg.io/cluster, cnpg.io/jobRole: join, no
        // podRole; CNPG 1.26.1 pkg/specs/jobs.go) that runs pg_basebackup against the primary.
        {
            fromEndpoints: [
                {
                    matchLabels: {
                        "cnpg.io/cluster": pg.name,
                        "cnpg.io/jobRole": "join",
                        [CLUSTER_LABEL]: local,
                    },
                },
            ],
            toPorts: tcp(PORTS.postgres),
        },
        {
            fromEndpoints: [peer(local, cfg.cnpg.namespace, CNPG_OPERATOR_LABELS)],
            toPorts: tcp(PORTS.instanceManager),
        },
        {
            fromEndpoints: [peer(local, net.monitoringNamespace)],
            toPorts: tcp(PORTS.postgresMetrics),
        },
        // kubelet's probes (startup/liveness/readiness on the instance manager).
        { fromEntities: ["host"], toPorts: tcp(PORTS.instanceManager) },
    ];
    if (pg.adminService.enabled && pg.adminService.sourceRanges.length > 0) {
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
    ];
    const store = objectStoreTarget(pg.backup?.endpointURL, net);
    if (store) egress.push({ toCIDR: store.cidrs, toPorts: tcp(store.port) });
    policies.push({
        name: `${pg.name}-instances`,
        namespace: pg.namespace,
        spec: {
            description: `${pg.name} instances: PostgreSQL from its poolers, peers and admin sources; instance manager from the operator and peers; metrics from ${net.monitoringNamespace}; all of it only within cluster ${local}`,
            endpointSelector: { matchLabels: instanceLabels },
            ingress,
            egress,
        },
    });

    for (const t of cfg.tenants) {
        if (!t.pooler.enabled) continue;
        const name = poolerName(t);
        const from = poolerClientNamespaces(cfg, t.name).map((ns) => peer(local, ns));
        if (t.pooler.global) {
            from.push(
                ...(t.clients?.appsNamespaces ?? []).map((ns) => peer(net.appsClusterName, ns)),
            );
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
        policies.push({
            name,
            namespace: pg.namespace,
            spec: {
                description: `${name}: PgBouncer from the tenant's client namespaces only`,
                endpointSelector: { matchLabels: { "cnpg.io/poolerName": name } },
                ingress: rules,
                egress: [
                    { toEndpoints: [instances], toPorts: tcp(PORTS.postgres) },
                    dnsEgress(net),
                    { toEntities: ["kube-apiserver"] },
                ],
            },
        });
    }

    const df = cfg.dragonfly?.mode === "managed" ? cfg.dragonfly : undefined;
    if (df) {
        policies.push({
            name: `${df.name}-clients`,
            namespace: df.namespace,
            spec: {
                description: `Dragonfly ${df.name}: 6379 from ${df.clientNamespaces.join(", ")} and metrics, in cluster ${local} only`,
                endpointSelector: { matchLabels: dragonflyPodLabels(df.name) },
                ingress: [
                    {
                        fromEndpoints: [
                            ...df.clientNamespaces.map((ns) => peer(local, ns)),
                            peer(local, df.namespace),
                            peer(local, net.monitoringNamespace),
                        ],
                        toPorts: tcp(DRAGONFLY_PORT),
                    },
                    { fromEntities: ["host"], toPorts: tcp(DRAGONFLY_PORT) },
                ],
            },
        });
    }

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
