/**
 * Config fragment `platform:network` (the infra cluster's Cilium network policies, built by
 * components/network/policies.ts) and the per-tenant `clients` block (which namespaces reach a
 * tenant's pooler).
 */
import { z } from "zod";
import type { Problem } from "../problems";
import { dnsLabel, int, type StackRole } from "../schema";
import type { DragonflyConfig } from "../dragonfly/config";

const cidr = z.string().regex(/^([0-9]{1,3}\.){3}[0-9]{1,3}\/([0-9]|[12][0-9]|3[0-2])$/, {
    error: 'must be an IPv4 CIDR such as "10.25.11.3/32"',
});

/** `tenants[].clients`: who may open connections to the tenant's pooler. */
export const tenantClientsSchema = z.strictObject({
    /** Namespaces of this (infra) cluster. */
    namespaces: z.array(dnsLabel()).default([]),
    /** Namespaces of the apps cluster, over ClusterMesh; only for a global pooler. */
    appsNamespaces: z.array(dnsLabel()).default([]),
});

export type TenantClients = z.infer<typeof tenantClientsSchema>;

/** The Cilium entities `network.webhookEntities` may name. */
export const WEBHOOK_ENTITIES = ["kube-apiserver", "host", "remote-node", "cluster"] as const;

export const networkSchema = z.strictObject({
    /** CiliumNetworkPolicies for the instances, poolers, Dragonfly and Harbor. */
    enabled: z.boolean().default(true),
    /** Cilium `cluster-name` of this cluster and of the apps cluster (the ClusterMesh peers). */
    clusterName: dnsLabel().default("infra"),
    appsClusterName: dnsLabel().default("apps"),
    /** Namespace of the Prometheus/VictoriaMetrics scrapers. */
    monitoringNamespace: dnsLabel().default("monitoring"),
    dns: z
        .strictObject({
            namespace: dnsLabel().default("kube-system"),
            labels: z.record(z.string(), z.string()).default({ "k8s-app": "kube-dns" }),
        })
        .prefault({}),
    /**
     * Cilium entities admitted to the CNPG operator's webhook (9443). The API server calls it for
     * every Cluster, Pooler, Backup, ScheduledBackup and Database write (failurePolicy Fail), the
     * kubelet probes it. Default: the `kube-apiserver` entity and the local `host`. Add
     * `remote-node` only where API-server traffic reaches pods with a node's address that is not
     * an API-server endpoint (docs/security.md "The operator's webhook"): it admits every node of
     * every cluster of the mesh.
     */
    webhookEntities: z.array(z.enum(WEBHOOK_ENTITIES)).min(1).default(["kube-apiserver", "host"]),
    /**
     * Where the instances send WAL and backups. Outside the cluster: its addresses (`cidrs`,
     * default the address of postgres.backup.endpointURL when it is an IP literal). Inside the
     * cluster (Cilium's CIDR rules never match a pod): the pods of `namespace` (default the
     * namespace of an endpointURL `<service>.<namespace>.svc[.cluster.local]`) with `labels`.
     * `port` is the port the object store's pods listen on (default the URL's).
     */
    objectStore: z
        .strictObject({
            cidrs: z.array(cidr).default([]),
            port: int(1, 65535).optional(),
            namespace: dnsLabel().optional(),
            labels: z.record(z.string(), z.string()).default({}),
        })
        .prefault({}),
});

export type NetworkConfig = z.infer<typeof networkSchema>;

/** Where the object store is: addresses outside the cluster, or pods inside it. */
export type ObjectStoreTarget =
    | { kind: "cidr"; cidrs: string[]; port: number }
    | { kind: "endpoints"; namespace: string; labels: Record<string, string>; port: number };

/** An in-cluster Service host: `<service>.<namespace>.svc` or `.svc.cluster.local`. */
const SERVICE_HOST = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/;

/** The object store of an http(s) endpoint URL, by the URL and network.objectStore. */
export function objectStoreTarget(
    endpointURL: string | undefined,
    net: NetworkConfig,
): ObjectStoreTarget | undefined {
    let url: URL | undefined;
    try {
        url = endpointURL ? new URL(endpointURL) : undefined;
    } catch {
        url = undefined;
    }
    const store = net.objectStore;
    const port =
        store.port ??
        (url ? Number(url.port || (url.protocol === "https:" ? 443 : 80)) : undefined);
    if (port === undefined) return undefined;
    if (store.cidrs.length > 0) return { kind: "cidr", cidrs: store.cidrs, port };
    const namespace = store.namespace ?? url?.hostname.match(SERVICE_HOST)?.[1];
    if (namespace) return { kind: "endpoints", namespace, labels: store.labels, port };
    if (url && /^[0-9.]+$/.test(url.hostname)) {
        return { kind: "cidr", cidrs: [`${url.hostname}/32`], port };
    }
    return undefined;
}

/**
 * The settings the network rules read (the stack's config has them). A tenant is described by
 * the fields read here: the tenant schema (../postgres/config) embeds `clients` from this module.
 */
export interface NetworkStackConfig {
    role: StackRole;
    network: NetworkConfig;
    tenants: readonly {
        name: string;
        pooler: { enabled: boolean; global?: boolean };
        clients?: TenantClients;
    }[];
    dragonfly?: DragonflyConfig;
    postgres?: { backup?: { endpointURL: string } };
    /** On apps: the co-located clusters' backups (their instances' egress). */
    applications?: readonly { postgres?: { backup?: { endpointURL: string } } }[];
}

/** Cross-field rules of the network policies, in the format of components/problems.ts. */
export function networkProblems(cfg: NetworkStackConfig): Problem[] {
    const problems: Problem[] = [];
    cfg.tenants.forEach((t, i) => {
        const apps = t.clients?.appsNamespaces ?? [];
        if (apps.length > 0 && !(t.pooler.enabled && t.pooler.global)) {
            problems.push({
                key: `tenants[${i}].clients.appsNamespaces`,
                value: apps,
                message:
                    "needs pooler.global: true (only a ClusterMesh global pooler is reachable from the apps cluster)",
            });
        }
        if (
            cfg.role === "infra" &&
            cfg.network.enabled &&
            t.pooler.enabled &&
            t.pooler.global &&
            apps.length === 0
        ) {
            problems.push({
                key: `tenants[${i}].clients.appsNamespaces`,
                message: `must list the apps cluster namespaces that use tenant "${t.name}": its pooler is global and the network policy admits only the namespaces listed (or set network.enabled: false)`,
            });
        }
    });
    const df = cfg.dragonfly;
    if (cfg.role === "infra" && cfg.network.enabled && df?.mode === "managed" && df.global) {
        problems.push({
            key: "dragonfly.global",
            value: true,
            message:
                "cannot be combined with network.enabled: Dragonfly's policy admits clientNamespaces of the infra cluster only, so apps clients of the global Service would be refused (set network.enabled: false to serve the apps cluster)",
        });
    }
    const entities = cfg.network.webhookEntities;
    if (cfg.network.enabled && !entities.includes("host")) {
        problems.push({
            key: "network.webhookEntities",
            value: entities,
            message:
                'must include "host": the kubelet probes the operator\'s webhook port (9443) for readiness and liveness, and without it the operator never becomes ready',
        });
    }
    if (cfg.network.enabled && !entities.some((e) => e !== "host")) {
        problems.push({
            key: "network.webhookEntities",
            value: entities,
            message:
                'must include "kube-apiserver" (or "remote-node" or "cluster"): with "host" alone the API server reaches the webhook only from the node the operator runs on, and every Cluster, Pooler and Backup write elsewhere is refused',
        });
    }
    const backup = cfg.postgres?.backup;
    if (
        cfg.role === "infra" &&
        cfg.network.enabled &&
        backup &&
        !objectStoreTarget(backup.endpointURL, cfg.network)
    ) {
        problems.push({
            key: "network.objectStore.cidrs",
            message: `must list the object store's addresses: postgres.backup.endpointURL ${backup.endpointURL} is not an IP address, and the instances' egress policy admits only listed CIDRs (for an object store inside the cluster, set network.objectStore.namespace and labels instead)`,
        });
    }
    if (cfg.role === "apps" && cfg.network.enabled) {
        (cfg.applications ?? []).forEach((app, i) => {
            const url = app.postgres?.backup?.endpointURL;
            if (url && !objectStoreTarget(url, cfg.network)) {
                problems.push({
                    key: `applications[${i}].postgres.backup.endpointURL`,
                    value: url,
                    message:
                        "is neither an IP address nor an in-cluster Service host, and the co-located cluster's egress policy admits only those: set network.objectStore.cidrs (or network.objectStore.namespace for an object store in the cluster), or network.enabled: false",
                });
            }
        });
    }
    return problems;
}
