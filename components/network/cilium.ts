/**
 * The CiliumNetworkPolicy (cilium.io/v2) vocabulary the platform's policies are written in: the
 * subset of the CRD's fields they use, the endpoint labels Cilium gives every pod, and helpers.
 * Pure. Field names from the CRD (cilium.io_ciliumnetworkpolicies.yaml).
 */
import type { ClusterNode } from "../postgres/topology";
import type { NetworkConfig } from "./config";

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

/** DNS to the cluster's resolver (UDP and TCP 53). */
export const dnsEgress = (net: NetworkConfig): CiliumRule => ({
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

/**
 * What a CNPG cluster's instances admit from inside their own cluster, whichever stack runs it:
 * their peers (streaming, instance manager), the Job that clones a new replica (labels
 * cnpg.io/cluster, cnpg.io/jobRole: join, no podRole; CNPG pkg/specs/jobs.go at 1.26.1 and
 * 1.30.0) running pg_basebackup against the primary, the operator on the instance manager,
 * monitoring on the metrics port, and the kubelet's probes (startup/liveness/readiness on the
 * instance manager).
 */
export function instanceIngress(
    c: Pick<ClusterNode, "instanceLabels" | "joinJobLabels">,
    local: string,
    operatorNamespace: string,
    monitoringNamespace: string,
): CiliumRule[] {
    return [
        {
            fromEndpoints: [{ matchLabels: { ...c.instanceLabels, [CLUSTER_LABEL]: local } }],
            toPorts: tcp(PORTS.postgres, PORTS.instanceManager),
        },
        {
            fromEndpoints: [{ matchLabels: { ...c.joinJobLabels, [CLUSTER_LABEL]: local } }],
            toPorts: tcp(PORTS.postgres),
        },
        {
            fromEndpoints: [peer(local, operatorNamespace, CNPG_OPERATOR_LABELS)],
            toPorts: tcp(PORTS.instanceManager),
        },
        { fromEndpoints: [peer(local, monitoringNamespace)], toPorts: tcp(PORTS.postgresMetrics) },
        { fromEntities: ["host"], toPorts: tcp(PORTS.instanceManager) },
    ];
}
