/**
 * Harbor's PostgreSQL connection budget against its tenant's PgBouncer Pooler.
 *
 * Harbor pods that open a database pool: core, jobservice and, with metrics enabled, the
 * exporter; each may hold up to `database.maxOpenConns` connections. The rest (portal, registry,
 * trivy, nginx) never talk to PostgreSQL.
 *
 *   client demand  = (core + jobservice [+ exporter]) replicas × maxOpenConns
 *
 * 1. demand ≤ max_client_conn (PgBouncer default 100). The limit is per PgBouncer process, and the
 *    Pooler Service spreads connections at random over its instances, so one instance may receive
 *    all of them: a connection beyond the limit is refused outright ("no more connections allowed").
 * 2. Session mode (required, see 3): every client connection holds a server connection for its
 *    lifetime, and for the same reason as in 1 one instance may receive all of them, so
 *    demand ≤ one instance's server slots (default_pool_size + reserve_pool_size) and
 *    demand ≤ the role's connectionLimit. A client beyond its instance's slots waits in PgBouncer's
 *    queue for a session to end; Harbor's pools keep their connections (ConnMaxLifetime 5 min), so
 *    it fails after query_wait_timeout (120 s). The per-tenant check that instances × slots fit
 *    the role's connectionLimit lives in ../postgres/budget.
 * 3. poolMode must be session: Harbor core runs golang-migrate at every start, which holds a
 *    session-level pg_advisory_lock, and pgx v4 prepares named statements; transaction pooling
 *    hands the unlock and the prepared statements to other server connections.
 */
import type { Problem } from "../problems";
import type { TenantConfig } from "../postgres/config";
import { PGBOUNCER_DEFAULTS } from "../postgres/budget";
import type { HarborConfig } from "./config";

/** PgBouncer's default max_client_conn (per process). */
export const PGBOUNCER_DEFAULT_MAX_CLIENT_CONN = 100;

export interface HarborConnectionBudget {
    pods: { core: number; jobservice: number; exporter: number };
    podCount: number;
    maxOpenConns: number;
    clientConnections: number;
    maxClientConn: number;
    instances: number;
    defaultPoolSize: number;
    reservePoolSize: number;
    /** Server connections one PgBouncer instance may open: default_pool_size + reserve_pool_size. */
    slotsPerInstance: number;
    serverSlots: number;
    connectionLimit: number;
    /** min(slotsPerInstance, connectionLimit): what Harbor can rely on wherever its clients land. */
    serverCapacity: number;
}

function intParam(params: Record<string, string>, name: string, fallback: number): number {
    const v = params[name];
    return v === undefined ? fallback : Number.parseInt(v, 10);
}

export function harborConnectionBudget(
    harbor: HarborConfig,
    tenant: TenantConfig,
): HarborConnectionBudget {
    const pods = {
        core: harbor.components.core.replicas,
        jobservice: harbor.components.jobservice.replicas,
        exporter: harbor.metrics.enabled ? harbor.components.exporter.replicas : 0,
    };
    const podCount = pods.core + pods.jobservice + pods.exporter;
    const p = tenant.pooler.parameters;
    const defaultPoolSize = intParam(p, "default_pool_size", PGBOUNCER_DEFAULTS.default_pool_size);
    const reservePoolSize = intParam(p, "reserve_pool_size", PGBOUNCER_DEFAULTS.reserve_pool_size);
    const instances = tenant.pooler.instances;
    const slotsPerInstance = defaultPoolSize + reservePoolSize;
    const serverSlots = instances * slotsPerInstance;
    return {
        pods,
        podCount,
        maxOpenConns: harbor.database.maxOpenConns,
        clientConnections: podCount * harbor.database.maxOpenConns,
        maxClientConn: intParam(p, "max_client_conn", PGBOUNCER_DEFAULT_MAX_CLIENT_CONN),
        instances,
        defaultPoolSize,
        reservePoolSize,
        slotsPerInstance,
        serverSlots,
        connectionLimit: tenant.connectionLimit,
        serverCapacity: Math.min(slotsPerInstance, tenant.connectionLimit),
    };
}

function describeDemand(b: HarborConnectionBudget, harbor: HarborConfig): string {
    const parts = [`core ${b.pods.core}`, `jobservice ${b.pods.jobservice}`];
    if (harbor.metrics.enabled) parts.push(`exporter ${b.pods.exporter}`);
    return `${parts.join(" + ")} = ${b.podCount} pods × ${b.maxOpenConns} = ${b.clientConnections} client connections`;
}

/**
 * Problems of Harbor's database pools against the Pooler of `tenant` (the tenant Harbor's
 * database belongs to). `tenantIndex` is its position in `platform:tenants`, for the keys.
 */
export function harborConnectionProblems(
    harbor: HarborConfig,
    tenant: TenantConfig,
    tenantIndex?: number,
): Problem[] {
    const problems: Problem[] = [];
    const at =
        tenantIndex === undefined ? `tenants[name=${tenant.name}]` : `tenants[${tenantIndex}]`;
    const pooler = `the ${tenant.name} pooler`;

    if (!tenant.pooler.enabled) {
        problems.push({
            key: `${at}.pooler.enabled`,
            value: false,
            message: `must be true: Harbor connects to ${tenant.name}-pooler (its Service), which only exists with a Pooler`,
        });
        return problems;
    }
    if (tenant.pooler.type !== "rw") {
        problems.push({
            key: `${at}.pooler.type`,
            value: tenant.pooler.type,
            message: `must be "rw": Harbor writes (migrations at every core start, pushes, jobs), a read-only pooler cannot serve it`,
        });
    }
    if (tenant.pooler.poolMode !== "session") {
        problems.push({
            key: `${at}.pooler.poolMode`,
            value: tenant.pooler.poolMode,
            message:
                `must be "session" for Harbor: core runs golang-migrate at every start, which takes a session-level ` +
                `pg_advisory_lock and releases it on the same connection, and pgx v4 prepares named statements per ` +
                `connection; transaction pooling hands each transaction to any server connection, so the unlock and ` +
                `the prepared statements land elsewhere (stuck migrations, "prepared statement does not exist")`,
        });
    }

    const b = harborConnectionBudget(harbor, tenant);
    if (b.clientConnections > b.maxClientConn) {
        problems.push({
            key: "harbor.database.maxOpenConns",
            value: b.maxOpenConns,
            message:
                `${describeDemand(b, harbor)}, more than ${pooler}'s max_client_conn ${b.maxClientConn}; the limit is per ` +
                `PgBouncer instance and connections land on the ${b.instances} instance${b.instances === 1 ? "" : "s"} at random, ` +
                `so one may receive them all and refuse the rest. Lower maxOpenConns to at most ` +
                `${Math.floor(b.maxClientConn / Math.max(b.podCount, 1))} or raise ${at}.pooler.parameters.max_client_conn to at least ${b.clientConnections}`,
        });
    }
    if (tenant.pooler.poolMode === "session" && b.clientConnections > b.serverCapacity) {
        const limited =
            b.connectionLimit < b.slotsPerInstance
                ? `, capped by role ${tenant.role}'s connectionLimit ${b.connectionLimit}`
                : ` (role ${tenant.role}'s connectionLimit ${b.connectionLimit})`;
        problems.push({
            key: "harbor.database.maxOpenConns",
            value: b.maxOpenConns,
            message:
                `${describeDemand(b, harbor)}, but in session mode each holds a server connection and connections land on ` +
                `${pooler}'s ${b.instances} instance${b.instances === 1 ? "" : "s"} at random, so one instance may need them all; ` +
                `one instance has ${b.defaultPoolSize} default_pool_size + ${b.reservePoolSize} reserve_pool_size = ` +
                `${b.slotsPerInstance} server slots${limited}, so ${b.serverCapacity} usable; connections beyond them queue ` +
                `and fail after query_wait_timeout. Lower maxOpenConns to at most ${Math.floor(b.serverCapacity / Math.max(b.podCount, 1))}, ` +
                `or raise ${at}.pooler.parameters.default_pool_size to at least ${b.clientConnections} ` +
                `(and the role's connectionLimit to instances × that)`,
        });
    }
    return problems;
}
