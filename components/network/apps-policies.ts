/**
 * The apps cluster's network policies: each co-located CloudNativePG cluster (`<app>-postgres` in
 * its application's namespace, and a restored one beside it) gets the treatment of the infra
 * cluster's shared one. Pure.
 *
 * - Its instances admit PostgreSQL (5432) from the application's namespace (the serving cluster
 *   only; a drill's is reached by nobody), from each other and from the join Job; the instance
 *   manager (8000, which serves unauthenticated endpoints up to CNPG 1.29) from the CNPG operator
 *   of this cluster, each other and the kubelet; metrics (9187) from the scrapers; nothing from
 *   the infra cluster. Egress: each other, DNS, the API server, the object store.
 * - Every pod of the cluster (`cnpg.io/cluster: <name>`: instances and the Jobs that initialise,
 *   restore or join them) is in default deny for ingress: a policy selecting them with an ingress
 *   section and an empty rule (Cilium Documentation/security/policy/layer3.rst, "Ingress/Egress
 *   Default Deny": a rule that selects an endpoint and has an ingress section puts it in default
 *   deny), so a Job pod no other policy selects is closed too.
 *
 * The local cluster here is `network.appsClusterName`. Labels and ports as in ./policies.ts
 * (CNPG pkg/specs/pods.go, jobs.go at 1.26.1 and 1.30.0); the model of which clusters exist and
 * which serves is the application's topology (components/apps/spec.ts colocatedTopology).
 */
import type { ApplicationConfig } from "../apps/config";
import { colocatedTopology } from "../apps/spec";
import type { CnpgConfig } from "../cnpg/config";
import type { ClusterNode } from "../postgres/topology";
import type { StackRole } from "../schema";
import {
    CLUSTER_LABEL,
    instanceIngress,
    dnsEgress,
    peer,
    PORTS,
    tcp,
    type CiliumPolicy,
    type CiliumRule,
} from "./cilium";
import { objectStoreTarget, type NetworkConfig } from "./config";

export interface AppsPolicyStackConfig {
    role: StackRole;
    cnpg: CnpgConfig;
    network: NetworkConfig;
    applications: ApplicationConfig[];
}

function storeEgress(app: ApplicationConfig, net: NetworkConfig, local: string): CiliumRule[] {
    const store = objectStoreTarget(app.postgres?.backup?.endpointURL, net);
    if (!store) return [];
    return [
        store.kind === "cidr"
            ? { toCIDR: store.cidrs, toPorts: tcp(store.port) }
            : {
                  toEndpoints: [peer(local, store.namespace, store.labels)],
                  toPorts: tcp(store.port),
              },
    ];
}

function colocatedInstancePolicy(
    cfg: AppsPolicyStackConfig,
    app: ApplicationConfig,
    c: ClusterNode,
): CiliumPolicy {
    const net = cfg.network;
    const local = net.appsClusterName;
    const instances = { matchLabels: { ...c.instanceLabels, [CLUSTER_LABEL]: local } };
    const ingress: CiliumRule[] = [];
    if (c.role === "serving") {
        ingress.push({ fromEndpoints: [peer(local, c.namespace)], toPorts: tcp(PORTS.postgres) });
    }
    ingress.push(...instanceIngress(c, local, cfg.cnpg.namespace, net.monitoringNamespace));
    return {
        name: `${c.name}-instances`,
        namespace: c.namespace,
        spec: {
            description: `${c.name} instances (${c.role}): PostgreSQL from ${c.role === "serving" ? `application ${app.name}'s namespace and ` : ""}its peers; instance manager from the operator and peers; metrics from ${net.monitoringNamespace}; all of it only within cluster ${local}`,
            endpointSelector: { matchLabels: c.instanceLabels },
            ingress,
            egress: [
                { toEndpoints: [instances], toPorts: tcp(PORTS.postgres, PORTS.instanceManager) },
                dnsEgress(net),
                { toEntities: ["kube-apiserver"] },
                ...storeEgress(app, net, local),
            ],
        },
    };
}

function defaultDenyPolicy(c: ClusterNode): CiliumPolicy {
    return {
        name: `${c.name}-default-deny`,
        namespace: c.namespace,
        spec: {
            description: `Every pod of ${c.name} (instances and Jobs): nothing comes in but what another policy admits`,
            endpointSelector: { matchLabels: { "cnpg.io/cluster": c.name } },
            ingress: [{}],
        },
    };
}

export function buildAppsNetworkPolicies(cfg: AppsPolicyStackConfig): CiliumPolicy[] {
    if (!cfg.network.enabled || cfg.role !== "apps") return [];
    return cfg.applications.flatMap((app, i) => {
        const topo = colocatedTopology(app, i);
        if (!topo) return [];
        return topo.clusters.flatMap((c) => [
            colocatedInstancePolicy(cfg, app, c),
            defaultDenyPolicy(c),
        ]);
    });
}
