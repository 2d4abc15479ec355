/**
 * Connection budget of the shared cluster: what each tenant's PgBouncer can open against
 * PostgreSQL, checked against the role's CONNECTION LIMIT and against max_connections.
 *
 * PgBouncer limits are per process, and every Pooler instance is its own process. For one tenant:
 *   per database   = default_pool_size + reserve_pool_size   (capped by max_db_connections if set)
 *   per instance   = databases × per database                (capped by max_user_connections if set)
 *   server total   = instances × per instance                must be ≤ the role's connectionLimit
 *
 * auth_query runs on a pool of its own per instance. CloudNativePG 1.30.0 writes
 * `auth_dbname = postgres` into every Pooler's pgbouncer.ini (pkg/management/pgbouncer/config/config.go
 * pgBouncerIniTemplateString, api/v1/pooler_types.go PoolerAuthDBName; since CNPG 1.28.0), and
 * PgBouncer 1.25.1 (its image, pkg/versions/versions.go DefaultPgbouncerImage) then takes the auth
 * pool with `get_pool(auth_db, auth_user_credentials)` where auth_db is that one database whatever
 * the client asks for (src/client.c `prepare_auth_database`, `start_auth_query`, tag
 * pgbouncer_1_25_1): one pool of (postgres, cnpg_pooler_pgbouncer) per process, however many
 * databases the tenant has. PgBouncer runs auth_query on every login of a user without an
 * auth_file entry and sizes that pool like any other (src/server.c `pool_pool_size`,
 * `pool_res_pool_size`; src/objects.c `launch_new_connection`): up to default_pool_size +
 * reserve_pool_size, capped by max_db_connections (for `postgres`, which only the auth pool uses)
 * and max_user_connections (the auth user, per process). Idle ones are closed only after
 * server_idle_timeout (src/janitor.c), so a burst of logins keeps them for ten minutes. Per tenant:
 *   auth per instance = per database (capped by max_user_connections if set)
 *   auth total        = instances × auth per instance
 * For the cluster, every role may use its whole connectionLimit (clients can also reach the -rw
 * Service directly), plus the auth pools:
 *   Σ connectionLimit + Σ auth total + superuser reserve + system headroom ≤ max_connections
 * WAL senders for replicas are limited by max_wal_senders, not max_connections (PostgreSQL ≥ 12).
 *
 * A tenant's session-mode pooler (`pooler.session`) logs in as the same role, so its server
 * connections count against the same connectionLimit, and it runs an auth pool of its own per
 * instance:
 *   session total = session instances × databases × session default_pool_size (reserve 0)
 *   session auth  = session instances × session default_pool_size
 */
import type { Problem } from "../problems";
import type { PostgresConfig, TenantConfig } from "./config";

/** PgBouncer 1.25 defaults (doc/config.md). */
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
    /** cnpg_pooler_pgbouncer server connections of one instance's auth_query pool. */
    authPerInstance: number;
    /** Server connections the tenant's Poolers can open in total (0 without a Pooler). */
    serverConnections: number;
    /** The session-mode pooler's part of serverConnections (and of authConnections), if any. */
    session?: {
        instances: number;
        defaultPoolSize: number;
        serverConnections: number;
        authConnections: number;
    };
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
    // One auth pool per instance, on `postgres`: sized like one of the tenant's pools, capped by
    // max_db_connections (already in perDatabase) and max_user_connections (the auth user's).
    const authPerInstance = maxUser > 0 ? Math.min(perDatabase, maxUser) : perDatabase;
    const instances = t.pooler.enabled ? t.pooler.instances : 0;
    const s = t.pooler.enabled ? t.pooler.session : undefined;
    const session = s
        ? {
              instances: s.instances,
              defaultPoolSize: s.defaultPoolSize,
              serverConnections: s.instances * databases * s.defaultPoolSize,
              authConnections: s.instances * s.defaultPoolSize,
          }
        : undefined;
    return {
        tenant: t.name,
        role: t.role,
        instances,
        databases,
        defaultPoolSize,
        reservePoolSize,
        perDatabase,
        perInstance,
        authPerInstance,
        serverConnections: instances * perInstance + (session?.serverConnections ?? 0),
        authConnections: instances * authPerInstance + (session?.authConnections ?? 0),
        connectionLimit: t.connectionLimit,
        ...(session ? { session } : {}),
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
    const main =
        `${b.instances} pooler instance${b.instances === 1 ? "" : "s"} × ${b.databases} database${b.databases === 1 ? "" : "s"} × ` +
        `(${b.defaultPoolSize} default_pool_size + ${b.reservePoolSize} reserve_pool_size)${caps}`;
    const s = b.session;
    const session = s
        ? ` + session pooler ${s.instances} × ${b.databases} × ${s.defaultPoolSize} default_pool_size`
        : "";
    return `${main}${session} = ${b.serverConnections} server connections`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * One role's share of max_connections: "90 + 90 auth_query (3 instances × (30 + 0)) = 180"; a
 * per-instance figure when a max_*_connections cap applies, "no pooler" without one.
 */
function roleLine(b: TenantBudget, width: number): string {
    let auth: string;
    const s = b.session;
    const session = s ? ` + ${s.authConnections} session pooler` : "";
    if (b.instances === 0) auth = "0 auth_query (no pooler)";
    else if (b.authPerInstance < b.defaultPoolSize + b.reservePoolSize) {
        auth = `${b.authConnections} auth_query (${plural(b.instances, "instance")} × ${b.authPerInstance} after max_*_connections caps${session})`;
    } else {
        auth =
            `${b.authConnections} auth_query (${plural(b.instances, "instance")} × ` +
            `(${b.defaultPoolSize} + ${b.reservePoolSize})${session})`;
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
            `(pooler instances × (default_pool_size + reserve_pool_size): ` +
            `each instance runs auth_query on one pool of its own, in the postgres database)`,
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
