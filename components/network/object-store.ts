/**
 * Egress of a cluster's instances to its object store (WAL archive and base backups, and, for a
 * restored cluster, the backups it recovers from). Pure.
 *
 * Cilium applies `toCIDR` only to destinations outside the cluster (the CRD's description of
 * toCIDR: "Only connections destined for outside of the cluster and not targeting the host will
 * be subject to CIDR rules"; cilium.io_ciliumnetworkpolicies.yaml at cilium/cilium 02904c9), so an object store running in the cluster (the seed's MinIO tenant
 * Service `minio-tenant-hl.minio-tenant.svc.cluster.local:9000`) is reached by an endpoint rule:
 * its pods, by namespace and labels, in this cluster.
 */
import type { PostgresConfig } from "../postgres/config";
import { peer, tcp, type CiliumRule } from "./cilium";
import { objectStoreTarget, type NetworkConfig } from "./config";

export function objectStoreEgress(pg: PostgresConfig, net: NetworkConfig): CiliumRule[] {
    const urls = new Set([pg.backup?.endpointURL, pg.recovery?.source.endpointURL]);
    const rules: CiliumRule[] = [];
    for (const url of urls) {
        const store = url ? objectStoreTarget(url, net) : undefined;
        if (!store) continue;
        rules.push(
            store.kind === "cidr"
                ? { toCIDR: store.cidrs, toPorts: tcp(store.port) }
                : {
                      toEndpoints: [peer(net.clusterName, store.namespace, store.labels)],
                      toPorts: tcp(store.port),
                  },
        );
    }
    return rules;
}
