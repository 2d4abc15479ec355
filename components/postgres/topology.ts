/**
 * One model of where PostgreSQL traffic goes, computed once from config and read by everything
 * that needs it: the Poolers (their `spec.cluster`), the SQL provider and the admin endpoint, the
 * stack outputs (hosts, services), the network policies (which pods are instances of which
 * cluster, which poolers reach them) and the alerts (which cluster and server name to watch).
 * Pure; no consumer works "which cluster serves" out again on its own.
 *
 * A stack runs one cluster per `postgres` block, and a second one while `recovery` is set:
 * - a drill (`cutOver: false`): the restored cluster runs beside the current one, which keeps
 *   serving; the restored one is a standby nobody connects to;
 * - a cut-over (`cutOver: true`): the restored cluster serves; the old one stays (protected) as a
 *   standby until it is removed by hand.
 *
 * Labels, read in CloudNativePG at v1.26.1 and v1.30.0 (the same keys at both):
 * instances carry `cnpg.io/cluster: <cluster>` and `cnpg.io/podRole: instance`
 * (pkg/specs/pods.go); the join Job that clones a new replica carries `cnpg.io/cluster` and
 * `cnpg.io/jobRole: join` (pkg/specs/jobs.go); pooler pods carry `cnpg.io/poolerName: <pooler>`,
 * `cnpg.io/podRole: pooler` and `cnpg.io/cluster: <the cluster in the Pooler's spec.cluster>`
 * (pkg/specs/pgbouncer/deployments.go), so after a cut-over they carry the restored cluster's name.
 */
import type { RecoveryConfig } from "./backup-config";

export const CNPG_LABELS = {
    cluster: "cnpg.io/cluster",
    podRole: "cnpg.io/podRole",
    jobRole: "cnpg.io/jobRole",
    poolerName: "cnpg.io/poolerName",
} as const;

/** PostgreSQL and PgBouncer both listen on 5432 (CNPG ServerPort, PgBouncerPort). */
export const POSTGRES_PORT = 5432;

/** A CloudNativePG cluster of the stack, with the selectors of its pods. */
export interface ClusterNode {
    name: string;
    namespace: string;
    /** serving: its users connect to it; standby: a drill, or the old cluster after cut-over. */
    role: "serving" | "standby";
    /** Labels CNPG puts on its instance pods. */
    instanceLabels: Record<string, string>;
    /** Labels of the Job pods that clone a new replica from its primary (pg_basebackup). */
    joinJobLabels: Record<string, string>;
    /** Instances it runs, and the config key that sets them (for alert texts). */
    instances: number;
    instancesKey: string;
    /** The server name it archives WAL and base backups under. */
    serverName: string;
    /** Its read-write Service and that Service's in-cluster host. */
    rwService: string;
    rwHost: string;
}

/** A tenant's PgBouncer Pooler. */
export interface PoolerNode {
    tenant: string;
    /** The Pooler's name, which is also its Service's. */
    name: string;
    namespace: string;
    /** The cluster the Pooler points at (`spec.cluster.name`): the serving one. */
    target: string;
    /** Labels CNPG puts on its pods (with the target cluster's name). */
    podLabels: Record<string, string>;
    /** The label that selects its pods whatever cluster they point at. */
    selector: Record<string, string>;
    host: string;
    /** A ClusterMesh global Service (reachable from the apps cluster). */
    global: boolean;
}

/** How a tenant's clients connect: through its pooler, or straight to the serving -rw Service. */
export interface TenantEndpoint {
    host: string;
    service: string;
    pooler?: PoolerNode;
}

export interface Topology {
    namespace: string;
    /** The cluster the tenants (or the application) use. */
    serving: ClusterNode;
    /** Every cluster the stack runs here, the serving one first. */
    clusters: ClusterNode[];
    poolers: PoolerNode[];
    /** By tenant name. */
    tenants: Record<string, TenantEndpoint>;
}

/** What the model needs of a cluster's config (the shared one or a co-located one). */
export interface TopologyClusterConfig {
    name: string;
    namespace: string;
    instances: number;
    /** Config key of `instances`, e.g. "postgres.instances"; the recovery's is "<prefix>.recovery.instances". */
    instancesKey: string;
    recovery?: Pick<RecoveryConfig, "name" | "cutOver" | "serverName" | "instances">;
    /** The server name the cluster archives under (`backup.serverName`); default its name. */
    serverName?: string;
}

/** What the model needs of a tenant. */
export interface TopologyTenant {
    name: string;
    pooler: { enabled: boolean; global?: boolean };
}

export function poolerName(tenant: { name: string }): string {
    return `${tenant.name}-pooler`;
}

/** The in-cluster host of a Service. */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc`;
}

function clusterNode(
    name: string,
    namespace: string,
    role: ClusterNode["role"],
    instances: number,
    instancesKey: string,
    serverName: string,
): ClusterNode {
    return {
        name,
        namespace,
        role,
        instanceLabels: { [CNPG_LABELS.cluster]: name, [CNPG_LABELS.podRole]: "instance" },
        joinJobLabels: { [CNPG_LABELS.cluster]: name, [CNPG_LABELS.jobRole]: "join" },
        instances,
        instancesKey,
        serverName,
        rwService: `${name}-rw`,
        rwHost: serviceHost(`${name}-rw`, namespace),
    };
}

/** The clusters of one `postgres` block: the configured one, and the restored one while `recovery` is set. */
export function clusterNodes(c: TopologyClusterConfig): {
    serving: ClusterNode;
    clusters: ClusterNode[];
} {
    const r = c.recovery;
    const cutOver = r?.cutOver === true;
    const current = clusterNode(
        c.name,
        c.namespace,
        cutOver ? "standby" : "serving",
        c.instances,
        c.instancesKey,
        c.serverName ?? c.name,
    );
    if (!r) return { serving: current, clusters: [current] };
    const restored = clusterNode(
        r.name,
        c.namespace,
        cutOver ? "serving" : "standby",
        r.instances ?? c.instances,
        c.instancesKey.replace(/instances$/, "recovery.instances"),
        r.serverName ?? r.name,
    );
    return cutOver
        ? { serving: restored, clusters: [restored, current] }
        : { serving: current, clusters: [current, restored] };
}

/** The model of a cluster and the poolers of its tenants. */
export function topology(c: TopologyClusterConfig, tenants: readonly TopologyTenant[]): Topology {
    const { serving, clusters } = clusterNodes(c);
    const poolers: PoolerNode[] = [];
    const endpoints: Record<string, TenantEndpoint> = {};
    for (const t of tenants) {
        if (!t.pooler.enabled) {
            endpoints[t.name] = { host: serving.rwHost, service: serving.rwService };
            continue;
        }
        const name = poolerName(t);
        const pooler: PoolerNode = {
            tenant: t.name,
            name,
            namespace: c.namespace,
            target: serving.name,
            podLabels: {
                [CNPG_LABELS.cluster]: serving.name,
                [CNPG_LABELS.podRole]: "pooler",
                [CNPG_LABELS.poolerName]: name,
            },
            selector: { [CNPG_LABELS.poolerName]: name },
            host: serviceHost(name, c.namespace),
            global: t.pooler.global === true,
        };
        poolers.push(pooler);
        endpoints[t.name] = { host: pooler.host, service: name, pooler };
    }
    return { namespace: c.namespace, serving, clusters, poolers, tenants: endpoints };
}

/** The shared cluster's model (`platform:postgres` and `platform:tenants`). */
export function sharedTopology(
    pg: Omit<TopologyClusterConfig, "instancesKey" | "serverName"> & {
        backup?: { serverName?: string };
    },
    tenants: readonly TopologyTenant[],
): Topology {
    return topology(
        {
            ...pg,
            instancesKey: "postgres.instances",
            ...(pg.backup?.serverName ? { serverName: pg.backup.serverName } : {}),
        },
        tenants,
    );
}

/** The tenant's endpoint in a model; throws for a tenant the model does not have. */
export function tenantEndpoint(topo: Topology, tenant: string): TenantEndpoint {
    const e = topo.tenants[tenant];
    if (!e) throw new Error(`tenant ${tenant} is not in the topology of ${topo.serving.name}`);
    return e;
}

/** The pooler of a tenant in a model; throws when the tenant has none. */
export function poolerOf(topo: Topology, tenant: string): PoolerNode {
    const p = tenantEndpoint(topo, tenant).pooler;
    if (!p) throw new Error(`tenant ${tenant} has no pooler`);
    return p;
}
