/**
 * The integration tier: the rendered tenant model on a real PostgreSQL and real PgBouncers.
 *
 * From the registrations of an in-process render (scripts/mock-runtime.ts, generated secrets are
 * `render-secret-<name>`): start a PostgreSQL set up as CNPG sets up the rendered Cluster
 * (cnpg-instance.ts), apply the provider's SQL for every `postgresql:*` resource in dependency
 * order (provider-sql.ts), check what PostgreSQL stored as each role's password (passwords.ts),
 * run CNPG's pooler reconcile, start PgBouncers as CNPG configures each rendered Pooler
 * (pgbouncer.ts), then check every tenant with its own password (checks.ts), and last audit the
 * server log, pg_stat_statements and the PgBouncer logs for cleartext passwords (passwords.ts).
 * Everything is read from the render (tenants.ts: tenants are the `platform:postgres:Tenant`
 * components and their children; Harbor's tenant is the one whose pooler Harbor's release
 * connects to), nothing from config.
 *
 * Every failure names the tenant, the database and the SQL error.
 */
import { Client, type ClientConfig } from "pg";
import type { Registration } from "../../scripts/mock-runtime";
import {
    advisoryLock,
    connectionLimit,
    ddl,
    extensionsUsable,
    fullBudget,
    sqlError,
} from "./checks";
import { clusterView, reconcilePoolers, startInstance, type Instance } from "./cnpg-instance";
import { poolerViews, startBouncers, type BouncerInstance, type Bouncers } from "./pgbouncer";
import { adoptedPassword, auditCleartext, storedPasswords } from "./passwords";
import { planSql, providerSettings, type PlannedResource } from "./provider-sql";
import { harborTarget, tenantViews, type TenantView } from "./tenants";

export { tenantViews, type TenantView } from "./tenants";

export interface TierOptions {
    /**
     * Which poolers the cross-tenant check goes through: every pooler (default up to 6 tenants), or
     * only the tenant's own (beyond 6 tenants, to stay fast; every pooler reaches the same server).
     */
    crossPoolers?: "all" | "own";
    log?: (line: string) => void;
}

export interface TierReport {
    failures: string[];
    notes: string[];
    postgres: { major: number; droppedParameters: string[]; ignoredParameters: string[] };
    pgbouncer: { version: string; dropped: Record<string, string[]> };
    budget?: {
        maxConnections: number;
        superuserReserved: number;
        backends: Record<string, number>;
        total: number;
    };
    timings: Record<string, number>;
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
    let i = 0;
    await Promise.all(
        Array.from({ length: Math.min(limit, items.length) }, async () => {
            while (i < items.length) await fn(items[i++]!);
        }),
    );
}

export async function runTier(regs: Registration[], opts: TierOptions = {}): Promise<TierReport> {
    const log = opts.log ?? (() => undefined);
    const timings: Record<string, number> = {};
    let t0 = Date.now();
    const lap = (name: string) => {
        timings[name] = Date.now() - t0;
        t0 = Date.now();
    };
    const failures: string[] = [];
    const notes: string[] = [];
    const fail = (tenant: string, database: string, what: string, err: unknown) =>
        failures.push(`tenant "${tenant}", database ${database}: ${what}: ${sqlError(err)}`);

    // Everything that can be checked without a server first: a translation error throws here.
    const plan = planSql(regs);
    const provider = providerSettings(regs);
    const cluster = clusterView(regs);
    const poolers = poolerViews(regs);
    const tenants = tenantViews(regs);
    const tenantOfDb = new Map(tenants.flatMap((t) => t.databases.map((d) => [d, t] as const)));

    const instance = await startInstance(cluster, "render-secret-app-user");
    let bouncers: Bouncers | undefined;
    try {
        lap("postgres");
        if (instance.droppedParameters.length > 0) {
            notes.push(
                `PostgreSQL ${instance.major}: dropped ${instance.droppedParameters.join(", ")} (unknown to this server)`,
            );
        }
        if (instance.ignoredParameters.length > 0) {
            notes.push(`CNPG ignores fixed parameters ${instance.ignoredParameters.join(", ")}`);
        }
        const server: ClientConfig = {
            host: "127.0.0.1",
            port: instance.port,
            ssl: { rejectUnauthorized: false },
            connectionTimeoutMillis: 15000,
        };
        // The provider connects with its own settings (sslmode=require) and the rendered password.
        const connect = async (c: ClientConfig) => {
            const client = new Client({ ...server, ...c });
            client.on("error", () => undefined);
            await client.connect();
            return client;
        };
        const asProvider = (database: string) =>
            connect({ user: provider.username, password: provider.password, database });

        // The provider keeps one connection pool per database (its DBConnection registry).
        const providerConns = new Map<string, Promise<Client>>();
        try {
            await applyPlan(
                plan,
                (database) => {
                    let c = providerConns.get(database);
                    if (!c) {
                        c = asProvider(database);
                        providerConns.set(database, c);
                    }
                    return c;
                },
                failures,
            );
        } finally {
            for (const c of providerConns.values()) {
                await c.then((x) => x.end()).catch(() => undefined);
            }
        }
        lap("sql");
        const checker = await asProvider(provider.database);
        try {
            await storedPasswords(tenants, checker, fail);
        } finally {
            await checker.end().catch(() => undefined);
        }
        lap("passwords");
        // PgBouncer reaches the server only on a client's login: started first, it tells whether it
        // knows auth_dbname, which decides where auth_query runs.
        bouncers = await startBouncers(
            poolers,
            { host: "127.0.0.1", port: instance.port },
            instance.certDir,
        );
        for (const [p, names] of Object.entries(bouncers.dropped)) {
            notes.push(`Pooler ${p}: dropped ${names.join(", ")} (unknown to ${bouncers.version})`);
        }
        lap("pgbouncer");
        const authInEveryDatabase = Object.values(bouncers.dropped).some((n) =>
            n.includes("auth_dbname"),
        );
        if (authInEveryDatabase) {
            notes.push(
                `auth_query runs in the client's database (no auth_dbname in ${bouncers.version}): user_search created in every database`,
            );
        }
        reconcilePoolers(instance, authInEveryDatabase);
        lap("reconcile");
        const byPooler = new Map<string, BouncerInstance[]>();
        for (const b of bouncers.instances) {
            byPooler.set(b.pooler, [...(byPooler.get(b.pooler) ?? []), b]);
        }
        const bouncerByPort = new Map(bouncers.instances.map((b) => [b.port, b]));
        const asTenant = async (t: TenantView, database: string, port = instance.port) => {
            const b = bouncerByPort.get(port);
            const mark = b?.output().length ?? 0;
            try {
                return await connect({
                    user: t.role,
                    password: t.password,
                    database,
                    port,
                    ...(b ? { connectionTimeoutMillis: 5000 } : {}),
                });
            } catch (err) {
                // PgBouncer reports the server's refusal in its log, not always to the client.
                const said = b ? bouncerErrors(b.output().slice(mark)) : "";
                if (said)
                    (err as Error).message =
                        `${(err as Error).message}; ${b?.pooler}[${b?.index}] logged: ${said}`;
                throw err;
            }
        };

        // Per tenant: login, databases directly and through every instance of its pooler, DDL,
        // extensions.
        await pool(tenants, 4, async (t) => {
            for (const db of t.databases) {
                let client: Client | undefined;
                try {
                    client = await asTenant(t, db);
                } catch (err) {
                    fail(t.name, db, `login as ${t.role} directly`, err);
                    continue;
                }
                try {
                    const who = await client.query(
                        "SELECT current_user AS u, current_database() AS d",
                    );
                    if (who.rows[0].u !== t.role || who.rows[0].d !== db) {
                        fail(
                            t.name,
                            db,
                            "login",
                            `connected as ${who.rows[0].u} to ${who.rows[0].d}`,
                        );
                    }
                    await ddl(client, t, db, fail);
                    await extensionsUsable(client, t, db, t.extensions[db] ?? [], fail);
                } finally {
                    await client.end().catch(() => undefined);
                }
                const instances = t.pooler ? (byPooler.get(t.pooler) ?? []) : [];
                await Promise.all(
                    instances.map(async (b) => {
                        try {
                            const c = await asTenant(t, db, b.port);
                            try {
                                const r = await c.query(
                                    "SELECT current_user AS u, current_database() AS d",
                                );
                                if (r.rows[0].u !== t.role || r.rows[0].d !== db) {
                                    fail(
                                        t.name,
                                        db,
                                        `through ${b.pooler}[${b.index}]`,
                                        `got ${r.rows[0].u}@${r.rows[0].d}`,
                                    );
                                }
                            } finally {
                                await c.end().catch(() => undefined);
                            }
                        } catch (err) {
                            fail(
                                t.name,
                                db,
                                `login as ${t.role} through ${b.pooler}[${b.index}]`,
                                err,
                            );
                        }
                    }),
                );
            }
        });
        lap("tenants");

        // The role's CONNECTION LIMIT holds.
        const admin = await asProvider(provider.database);
        try {
            for (const t of tenants.filter(
                (x) => x.connectionLimit >= 0 && x.databases.length > 0,
            )) {
                await connectionLimit(t, t.databases[0]!, asTenant, admin, fail);
            }
            lap("connection-limit");

            // Every pooler at full pool (before any cross-tenant probe).
            const budget = await fullBudget(tenants, byPooler, asTenant, admin, fail);
            const settings = await admin.query(
                "SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS reserved",
            );
            const max = settings.rows[0].max as number;
            const reserved = settings.rows[0].reserved as number;
            const total = Object.values(budget).reduce((s, n) => s + n, 0);
            if (total + reserved > max) {
                failures.push(
                    `budget: every pooler at full pool opened ${total} backends (${Object.entries(
                        budget,
                    )
                        .map(([u, n]) => `${n} ${u}`)
                        .join(", ")}) ` +
                        `+ ${reserved} superuser_reserved_connections > max_connections ${max}`,
                );
            }
            lap("budget");

            const harbor = harborTarget(regs, tenants);
            if (harbor)
                await advisoryLock(harbor.tenant, harbor.database, byPooler, asTenant, fail);
            else notes.push("no Harbor release on a tenant pooler: advisory-lock check skipped");
            // A tenant's session-mode path keeps a migration's lock exclusive; its transaction
            // pooler, the control, does not.
            for (const t of tenants.filter((x) => x.sessionPooler && x.databases.length > 0)) {
                const db = t.databases[0]!;
                const s = await advisoryLock(t, db, byPooler, asTenant, fail, t.sessionPooler);
                const main = poolers.find((p) => p.name === t.pooler);
                const c =
                    main?.poolMode === "transaction"
                        ? await advisoryLock(
                              t,
                              db,
                              byPooler,
                              asTenant,
                              fail,
                              t.pooler,
                              "not exclusive",
                          )
                        : undefined;
                notes.push(
                    `advisory lock of tenant "${t.name}": a second client took it through ${t.sessionPooler}: ${String(s)}` +
                        (c === undefined
                            ? ""
                            : `; through ${t.pooler} (transaction): ${String(c)}`),
                );
            }
            lap("advisory-lock");

            // A pooler admits its tenant to its tenant's databases only: `postgres` and
            // `template1` grant CONNECT to PUBLIC, so only the pooler's hba rules keep a tenant
            // out of them (a database named like an hba keyword, e.g. `all`, would not).
            for (const t of tenants) {
                for (const via of [t.pooler, t.sessionPooler]) {
                    const b = via ? byPooler.get(via)?.[0] : undefined;
                    if (!b) continue;
                    for (const db of ["postgres", "template1"]) {
                        try {
                            const c = await asTenant(t, db, b.port);
                            await c.end().catch(() => undefined);
                            fail(
                                t.name,
                                db,
                                `role ${t.role} reached database ${db} through ${b.pooler}`,
                                "the connection was accepted",
                            );
                        } catch (err) {
                            if (!/^login rejected(;|$)/.test((err as Error).message ?? "")) {
                                fail(
                                    t.name,
                                    db,
                                    `through ${b.pooler}: refused for another reason`,
                                    err,
                                );
                            }
                        }
                    }
                }
            }
            lap("system-databases");

            // The full pools stay open, idle, in every PgBouncer and hold each role at its limit
            // (a refusal for "too many connections for role" would prove nothing below): close
            // them from the server side, as a restart would; PgBouncer reconnects on demand.
            await closeIdleBackends(admin);
            lap("close-idle");

            // Measured after the budget: a cross-tenant probe makes the pooler open an auth_query
            // connection to the foreign database (it runs auth_query there), which stays idle in
            // its pool; see the README.
            // No tenant reaches another tenant's database, directly or through any pooler.
            const mode = opts.crossPoolers ?? (tenants.length <= 6 ? "all" : "own");
            const attempts: {
                t: TenantView;
                db: string;
                owner: TenantView;
                via?: BouncerInstance;
            }[] = [];
            for (const t of tenants) {
                for (const [db, owner] of tenantOfDb) {
                    if (owner === t) continue;
                    attempts.push({ t, db, owner });
                    const via =
                        mode === "all"
                            ? [...byPooler.values()].map((xs) => xs[0]!)
                            : [t.pooler].flatMap((p) => (p ? [byPooler.get(p)?.[0]] : []));
                    for (const b of via) if (b) attempts.push({ t, db, owner, via: b });
                }
            }
            const refusals = new Map<string, number>();
            await pool(attempts, 8, async ({ t, db, owner, via }) => {
                try {
                    const c = await asTenant(t, db, via?.port);
                    try {
                        await c.query("SELECT 1");
                        fail(
                            t.name,
                            db,
                            `role ${t.role} reached database ${db} of tenant "${owner.name}" ${via ? `through ${via.pooler}` : "directly"}`,
                            "the connection was accepted",
                        );
                    } finally {
                        await c.end().catch(() => undefined);
                    }
                } catch (err) {
                    // Refused for the right reason: no CONNECT (42501, also as PgBouncer passes the
                    // server's refusal on), no pg_hba rule (28000), or the pooler's own hba
                    // `reject` line (PgBouncer 1.24.1 src/client.c: "login rejected", sent as a
                    // pooler error, src/proto.c). Anything else (too many clients, a timeout)
                    // proves nothing.
                    const e = err as { code?: string; message?: string };
                    const why = e.code ?? "";
                    refusals.set(why, (refusals.get(why) ?? 0) + 1);
                    if (!(
                        why === "42501" ||
                        why === "28000" ||
                        /permission denied for database/.test(e.message ?? "") ||
                        (via !== undefined && /^login rejected(;|$)/.test(e.message ?? ""))
                    )) {
                        fail(
                            t.name,
                            db,
                            `checking that role ${t.role} cannot reach database ${db} of tenant "${owner.name}" ${via ? `through ${via.pooler}` : "directly"}`,
                            err,
                        );
                    }
                }
            });
            notes.push(
                `cross-tenant: ${attempts.length} connection attempts (${mode === "all" ? "directly and through every pooler" : "directly and through the tenant's own pooler"}), refused with SQLSTATE ${JSON.stringify(Object.fromEntries(refusals))}`,
            );
            // Not a tenant's, so not a failure, but worth knowing: the databases CNPG creates keep
            // PUBLIC's CONNECT.
            const open: string[] = [];
            for (const db of ["postgres", cluster.appDatabase]) {
                const t = tenants[0];
                if (!t) break;
                try {
                    const c = await asTenant(t, db);
                    await c.end().catch(() => undefined);
                    open.push(db);
                } catch {
                    // closed
                }
            }
            if (open.length > 0) {
                notes.push(
                    `tenant roles can connect to ${open.join(" and ")} (PUBLIC keeps CONNECT there, as CNPG creates them)`,
                );
            }
            lap("isolation");

            // After every statement and login of the run: no cleartext password anywhere.
            await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            const tracked = await admin.query<{ query: string }>(
                "SELECT query FROM pg_stat_statements",
            );
            auditCleartext(
                tenants,
                [
                    { name: "the server log", text: instance.serverLog(), statements: true },
                    {
                        name: "pg_stat_statements",
                        text: tracked.rows.map((r) => r.query).join("\n"),
                        statements: true,
                    },
                    ...bouncers.instances.map((b) => ({
                        name: `the log of ${b.pooler}[${b.index}]`,
                        text: b.output(),
                        statements: false,
                    })),
                ],
                fail,
            );
            lap("password-audit");

            const adopted = tenants.find((t) => t.databases.length > 0);
            if (adopted) {
                await adoptedPassword(
                    adopted,
                    admin,
                    (port) => asTenant(adopted, adopted.databases[0]!, port),
                    (adopted.pooler ? (byPooler.get(adopted.pooler) ?? []) : []).map((b) => b.port),
                    fail,
                );
            }
            lap("takeover-password");

            return {
                failures,
                notes,
                postgres: {
                    major: instance.major,
                    droppedParameters: instance.droppedParameters,
                    ignoredParameters: instance.ignoredParameters,
                },
                pgbouncer: { version: bouncers.version, dropped: bouncers.dropped },
                budget: {
                    maxConnections: max,
                    superuserReserved: reserved,
                    backends: budget,
                    total,
                },
                timings,
            };
        } finally {
            await admin.end().catch(() => undefined);
        }
    } finally {
        log("stopping");
        await bouncers?.stop();
        stopQuietly(instance);
    }
}

/** The ERROR/WARNING lines PgBouncer logged while the login was tried. */
function bouncerErrors(log: string): string {
    return log
        .split("\n")
        .filter((l) => /WARNING|ERROR|FATAL/.test(l))
        .map((l) => l.replace(/^\S+ \S+ \S+ \[\d+\] /, "").trim())
        .filter((l, i, all) => all.indexOf(l) === i)
        .slice(-2)
        .join(" | ");
}

async function closeIdleBackends(admin: Client): Promise<void> {
    const idle =
        "FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'idle' AND pid <> pg_backend_pid()";
    await admin.query(`SELECT pg_terminate_backend(pid) ${idle}`);
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
        const left = await admin.query(`SELECT count(*)::int AS n ${idle}`);
        if (left.rows[0].n === 0) return;
        await new Promise((r) => setTimeout(r, 50));
    }
}

function stopQuietly(instance: Instance): void {
    try {
        instance.stop();
    } catch {
        // already gone
    }
}

/**
 * Applies the plan as the provider would: one resource at a time in dependency order; a resource
 * whose SQL fails is reported (with its tenant and database) and everything depending on it is
 * skipped, as the engine does.
 */
async function applyPlan(
    plan: PlannedResource[],
    connect: (database: string) => Promise<Client>,
    failures: string[],
): Promise<void> {
    const broken = new Set<string>();
    for (const r of plan) {
        if (r.dependencies.some((d) => broken.has(d))) {
            broken.add(r.ref);
            continue;
        }
        for (const step of r.steps) {
            let client: Client | undefined;
            let current = "";
            try {
                client = await connect(step.database);
                if (step.transaction) await client.query("BEGIN");
                for (const s of step.statements) {
                    current = s.text;
                    await client.query(s.text, s.values);
                }
                if (step.transaction) await client.query("COMMIT");
            } catch (err) {
                broken.add(r.ref);
                const shown = current.replace(/PASSWORD '[^']*'/, "PASSWORD '[secret]'");
                failures.push(
                    `tenant "${r.tenant ?? "-"}", database ${r.database ?? step.database}: ${r.ref}: ${shown}: ${sqlError(err)}`,
                );
                if (step.transaction) await client?.query("ROLLBACK").catch(() => undefined);
                break;
            }
        }
    }
}
