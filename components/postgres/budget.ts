/**
 * Connection budget of the shared cluster: what each tenant's PgBouncer can open against
 * PostgreSQL, checked against the role's CONNECTION LIMIT and against max_connections.
 *
 * PgBouncer limits are per process, and every Pooler instance is its own process. For one tenant:
 *   per database   = default_pool_size + reserve_pool_size   (capped by max_db_connections if set)
 *   per instance   = databases × per database                (capped by max_user_connections if set)
 *   server total   = instances × per instance                must be ≤ the role's connectionLimit
 *
 * auth_query runs on a pool of its own per instance and database: the pool of (database,
 * cnpg_pooler_pgbouncer). At CloudNativePG 1.30.0 (PgBouncer 1.25.1, pkg/versions/versions.go
 * DefaultPgbouncerImage; the auth pool code below unchanged since 1.24.1) the Pooler's config
 * sets `auth_dbname = postgres` (pkg/management/pgbouncer/config/config.go, since CNPG 1.28.0),
 * so the auth pool is one per instance, on `postgres`: the per-database count below is then an
 * upper bound (equal for a tenant with one database), kept so the budget holds on either operator.
 * As read at PgBouncer 1.24.1 (the image CNPG 1.26.1 ships,
 * pkg/specs/pgbouncer/deployments.go) takes it with `get_pool(auth_db, auth_user_credentials)`
 * (src/client.c `start_auth_query`; auth_db is the client's database, as CNPG's webhook does not
 * allow `auth_dbname`), runs auth_query on every login of a user without an auth_file entry, and
 * sizes that pool like any other (src/server.c `pool_pool_size`, `pool_res_pool_size`;
 * src/objects.c `launch_new_connection`): up to default_pool_size + reserve_pool_size, capped by
 * max_db_connections (the same database) and max_user_connections (the auth user, per process).
 * Idle ones are closed only after server_idle_timeout (src/janitor.c), so a burst of logins keeps
 * them for ten minutes. Per tenant:
 *   auth per instance = databases × per database (capped by max_user_connections if set)
 *   auth total        = instances × auth per instance
 * For the cluster, every role may use its whole connectionLimit (clients can also reach the -rw
 * Service directly), plus the auth pools:
 *   Σ connectionLimit + Σ auth total + superuser reserve + system headroom ≤ max_connections
 * WAL senders for replicas are limited by max_wal_senders, not max_connections (PostgreSQL ≥ 12).
 */
import type { Problem } from "../problems";
import type { PostgresConfig, TenantConfig } from "./config";

/** PgBouncer 1.24 defaults (doc/config.md). */
export const PGBOUNCER_DEFAULTS = { default_pool_size: 20, reserve_pool_size: 0 } as const;

export interface TenantBudget {
    tenant: string;
    role: string;
    instances: number;
    databases: number;
    defaultPoolSize: number;
    reservePoolSize: number;
    perDatabase: number;
    perInstance: number;
    /** Server connections the tenant's Pooler can open in total (0 without a Pooler). */
    serverConnections: number;
    /** cnpg_pooler_pgbouncer server connections of the auth_query pools, all instances. */
    authConnections: number;
    connectionLimit: number;
}

export interface ClusterBudget {
    tenants: TenantBudget[];
    roleLimits: number;
    authConnections: number;
    superuserReserved: number;
    systemReserved: number;
    required: number;
    maxConnections: number;
}

function intParam(params: Record<string, string>, name: string, fallback: number): number {
    const v = params[name];
    return v === undefined ? fallback : Number.parseInt(v, 10);
}

export function tenantBudget(t: TenantConfig): TenantBudget {
    const p = t.pooler.parameters;
    const defaultPoolSize = intParam(p, "default_pool_size", PGBOUNCER_DEFAULTS.default_pool_size);
    const reservePoolSize = intParam(p, "reserve_pool_size", PGBOUNCER_DEFAULTS.reserve_pool_size);
    const maxDb = intParam(p, "max_db_connections", 0);
    const maxUser = intParam(p, "max_user_connections", 0);
    const databases = t.databases.length;
    let perDatabase = defaultPoolSize + reservePoolSize;
    if (maxDb > 0) perDatabase = Math.min(perDatabase, maxDb);
    let perInstance = databases * perDatabase;
    if (maxUser > 0) perInstance = Math.min(perInstance, maxUser);
    // The auth pools are sized like the tenant's and capped the same way (the auth user is one
    // user per process, so max_user_connections bounds all of its databases together).
    const authPerInstance = perInstance;
    const instances = t.pooler.enabled ? t.pooler.instances : 0;
    return {
        tenant: t.name,
        role: t.role,
        instances,
        databases,
        defaultPoolSize,
        reservePoolSize,
        perDatabase,
        perInstance,
        serverConnections: instances * perInstance,
        authConnections: instances * authPerInstance,
        connectionLimit: t.connectionLimit,
    };
}

export function clusterBudget(pg: PostgresConfig, tenants: TenantConfig[]): ClusterBudget {
    const budgets = tenants.map(tenantBudget);
    const roleLimits = budgets.reduce((s, b) => s + b.connectionLimit, 0);
    const authConnections = budgets.reduce((s, b) => s + b.authConnections, 0);
    const superuserReserved = intParam(
        pg.parameters,
        "superuser_reserved_connections",
        pg.reservedConnections.superuser,
    );
    const systemReserved = pg.reservedConnections.system;
    return {
        tenants: budgets,
        roleLimits,
        authConnections,
        superuserReserved,
        systemReserved,
        required: roleLimits + authConnections + superuserReserved + systemReserved,
        maxConnections: pg.maxConnections,
    };
}

function describeTenant(b: TenantBudget): string {
    const caps =
        b.perInstance < b.databases * (b.defaultPoolSize + b.reservePoolSize)
            ? " (after max_*_connections caps)"
            : "";
    return (
        `${b.instances} pooler instance${b.instances === 1 ? "" : "s"} × ${b.databases} database${b.databases === 1 ? "" : "s"} × ` +
        `(${b.defaultPoolSize} default_pool_size + ${b.reservePoolSize} reserve_pool_size)${caps} = ${b.serverConnections} server connections`
    );
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * One role's share of max_connections: "90 + 90 auth_query (3 instances × 1 database × (30 + 0))
 * = 180"; a per-instance figure when a max_*_connections cap applies, "no pooler" without one.
 */
function roleLine(b: TenantBudget, width: number): string {
    let auth: string;
    if (b.instances === 0) auth = "0 auth_query (no pooler)";
    else if (b.perInstance < b.databases * (b.defaultPoolSize + b.reservePoolSize)) {
        auth = `${b.authConnections} auth_query (${plural(b.instances, "instance")} × ${b.perInstance} after max_*_connections caps)`;
    } else {
        auth =
            `${b.authConnections} auth_query (${plural(b.instances, "instance")} × ${plural(b.databases, "database")} × ` +
            `(${b.defaultPoolSize} + ${b.reservePoolSize}))`;
    }
    return `${b.role.padEnd(width)}  ${b.connectionLimit} + ${auth} = ${b.connectionLimit + b.authConnections}`;
}

/** Indentation of the per-role lines under the problem's own line (`  - platform:…`). */
const ROLE_INDENT = "      ";

/**
 * max_connections too small: the sum and the fix on the problem's own line, then a line that
 * names the columns and one line per role with its arithmetic, largest share first (ties in config
 * order): at 200 tenants the roles to look at come first and every line stays short.
 */
function maxConnectionsMessage(budget: ClusterBudget): string {
    const roles = [...budget.tenants].sort(
        (a, b) => b.connectionLimit + b.authConnections - (a.connectionLimit + a.authConnections),
    );
    const width = Math.max(0, ...roles.map((b) => b.role.length));
    const summary =
        `is below what the tenants can use: ${budget.roleLimits} role connectionLimits + ` +
        `${budget.authConnections} auth_query connections + ${budget.superuserReserved} superuser_reserved_connections + ` +
        `${budget.systemReserved} system headroom = ${budget.required}. ` +
        `Raise maxConnections to at least ${budget.required} or lower the tenants' connectionLimit`;
    if (roles.length === 0) return summary;
    return [
        summary,
        `${ROLE_INDENT}per role, largest first: connectionLimit + auth_query connections ` +
            `(pooler instances × databases × (default_pool_size + reserve_pool_size): ` +
            `each instance runs auth_query on a pool of its own per database)`,
        ...roles.map((b) => `${ROLE_INDENT}${roleLine(b, width)}`),
    ].join("\n");
}

export function connectionBudgetProblems(pg: PostgresConfig, tenants: TenantConfig[]): Problem[] {
    const problems: Problem[] = [];
    const budget = clusterBudget(pg, tenants);
    budget.tenants.forEach((b, i) => {
        if (b.serverConnections > b.connectionLimit) {
            problems.push({
                key: `tenants[${i}].connectionLimit`,
                value: b.connectionLimit,
                message:
                    `tenant "${b.tenant}": ${describeTenant(b)}, more than role ${b.role}'s connectionLimit ${b.connectionLimit}; ` +
                    `PgBouncer logins beyond it fail with "too many connections for role". ` +
                    `Lower pooler.instances or default_pool_size/reserve_pool_size, or raise connectionLimit to at least ${b.serverConnections}`,
            });
        }
    });
    if (budget.required > budget.maxConnections) {
        problems.push({
            key: "postgres.maxConnections",
            value: budget.maxConnections,
            message: maxConnectionsMessage(budget),
        });
    }
    return problems;
}
