/**
 * Egress of a cluster's instances to its object store (WAL archive and base backups, and, for a
 * restored cluster, the backups it recovers from). Pure.
 */
import type { PostgresConfig } from "../postgres/config";
import { tcp, type CiliumRule } from "./cilium";
import { objectStoreTarget, type NetworkConfig } from "./config";

export function objectStoreEgress(pg: PostgresConfig, net: NetworkConfig): CiliumRule[] {
    const store = objectStoreTarget(pg.backup?.endpointURL, net);
    return store ? [{ toCIDR: store.cidrs, toPorts: tcp(store.port) }] : [];
}
