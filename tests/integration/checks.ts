/**
 * What the tier checks on each tenant against the real servers: DDL in public, its extensions,
 * its CONNECTION LIMIT, every pooler at full pool, and Harbor's session advisory lock. Each
 * failure names the tenant, the database and the SQL error.
 */
import type { Client } from "pg";
import { POOLER_USER } from "./cnpg-instance";
import type { BouncerInstance } from "./pgbouncer";
import type { TenantView } from "./tenants";

/** An error as the tier reports it: the message and its SQLSTATE. */
export function sqlError(err: unknown): string {
    const e = err as { message?: string; code?: string };
    const msg = e.message ?? String(err);
    return e.code ? `${msg} (SQLSTATE ${e.code})` : msg;
}

export type Fail = (tenant: string, database: string, what: string, err: unknown) => void;

/** A table, index, sequence, function and trigger in schema public, used. */
export async function ddl(c: Client, t: TenantView, db: string, fail: Fail): Promise<void> {
    const steps = [
        "CREATE TABLE public.platform_probe (id bigserial PRIMARY KEY, v text NOT NULL)",
        "CREATE INDEX platform_probe_v ON public.platform_probe (v)",
        "CREATE SEQUENCE public.platform_probe_seq",
        "CREATE FUNCTION public.platform_probe_upper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.v := upper(NEW.v); RETURN NEW; END $$",
        "CREATE TRIGGER platform_probe_upper BEFORE INSERT ON public.platform_probe FOR EACH ROW EXECUTE FUNCTION public.platform_probe_upper()",
        "INSERT INTO public.platform_probe (v) VALUES ('probe')",
    ];
    for (const s of steps) {
        try {
            await c.query(s);
        } catch (err) {
            fail(t.name, db, `DDL in public as ${t.role}: ${s}`, err);
            return;
        }
    }
    const r = await c.query(
        "SELECT (SELECT v FROM public.platform_probe) AS v, nextval('public.platform_probe_seq') AS n",
    );
    if (r.rows[0].v !== "PROBE" || String(r.rows[0].n) !== "1") {
        fail(t.name, db, "DDL in public", `trigger/sequence gave ${JSON.stringify(r.rows[0])}`);
    }
}

/** Something each known extension does; for any other, EXECUTE on all its functions. */
const EXTENSION_PROBES: Record<string, string[]> = {
    "uuid-ossp": ["SELECT uuid_generate_v4()"],
    pg_trgm: [
        "SELECT similarity('platform', 'platforms')",
        "CREATE INDEX platform_probe_trgm ON public.platform_probe USING gin (v gin_trgm_ops)",
    ],
    btree_gist: [
        "CREATE TABLE public.platform_probe_excl (id int, during tstzrange, EXCLUDE USING gist (id WITH =, during WITH &&))",
    ],
};

export async function extensionsUsable(
    c: Client,
    t: TenantView,
    db: string,
    extensions: string[],
    fail: Fail,
): Promise<void> {
    for (const ext of extensions) {
        const found = await c.query("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = $1", [
            ext,
        ]);
        if (found.rowCount === 0) {
            fail(t.name, db, `extension ${ext}`, "not installed");
            continue;
        }
        const probes = EXTENSION_PROBES[ext] ?? [
            `SELECT p.oid::regprocedure FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
             JOIN pg_proc p ON p.oid = d.objid
             WHERE d.deptype = 'e' AND d.classid = 'pg_proc'::regclass AND e.extname = '${ext.replace(/'/g, "''")}'
               AND NOT has_function_privilege(p.oid, 'EXECUTE')`,
        ];
        for (const probe of probes) {
            try {
                const r = await c.query(probe);
                if (!EXTENSION_PROBES[ext] && (r.rowCount ?? 0) > 0) {
                    fail(
                        t.name,
                        db,
                        `extension ${ext}`,
                        `no EXECUTE on ${r.rows.map((x) => x.oid).join(", ")}`,
                    );
                }
            } catch (err) {
                fail(t.name, db, `extension ${ext}: ${probe}`, err);
            }
        }
    }
}

/** Opens connectionLimit + 1 sessions at once: at least one is refused, and never more than the limit run. */
export async function connectionLimit(
    t: TenantView,
    db: string,
    asTenant: (t: TenantView, db: string) => Promise<Client>,
    admin: Client,
    fail: Fail,
): Promise<void> {
    const results = await Promise.allSettled(
        Array.from({ length: t.connectionLimit + 1 }, () => asTenant(t, db)),
    );
    const open = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    const running = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1",
        [t.role],
    );
    await Promise.all(open.map((c) => c.end().catch(() => undefined)));
    const n = running.rows[0].n as number;
    if (n > t.connectionLimit) {
        fail(
            t.name,
            db,
            `connection limit ${t.connectionLimit} of ${t.role}`,
            `${n} sessions ran at once`,
        );
    }
    if (!refused.some((e) => (e as { code?: string }).code === "53300")) {
        fail(
            t.name,
            db,
            `connection limit ${t.connectionLimit} of ${t.role}`,
            `${t.connectionLimit + 1} sessions were not refused with "too many connections for role"` +
                (refused.length > 0 ? ` (got: ${sqlError(refused[0])})` : ""),
        );
    }
}

/**
 * Every pooler instance at full pool: per database, one more client than the pool holds, each in
 * an open transaction (so transaction pooling holds its server too). Returns the real backends
 * per user, measured in pg_stat_activity while they are held.
 */
export async function fullBudget(
    tenants: TenantView[],
    byPooler: Map<string, BouncerInstance[]>,
    asTenant: (t: TenantView, db: string, port?: number) => Promise<Client>,
    admin: Client,
    fail: Fail,
): Promise<Record<string, number>> {
    const clients: Client[] = [];
    const served: Promise<unknown>[] = [];
    let expectServed = 0;
    let waitMs = 0;
    const int = (p: Record<string, string>, k: string, d: number) =>
        p[k] === undefined ? d : Number.parseInt(p[k], 10);
    try {
        const fills: { t: TenantView; b: BouncerInstance; db: string; perDb: number }[] = [];
        for (const t of tenants) {
            for (const b of t.pooler ? (byPooler.get(t.pooler) ?? []) : []) {
                // PgBouncer's defaults: default_pool_size 20, reserve_pool_size 0, reserve_pool_timeout 5.
                const p = b.parameters;
                const reserve = int(p, "reserve_pool_size", 0);
                if (reserve > 0)
                    waitMs = Math.max(waitMs, int(p, "reserve_pool_timeout", 5) * 1000);
                let perDb = int(p, "default_pool_size", 20) + reserve;
                const maxDb = int(p, "max_db_connections", 0);
                if (maxDb > 0) perDb = Math.min(perDb, maxDb);
                for (const db of t.databases) fills.push({ t, b, db, perDb });
            }
        }
        // Logins one after another on each instance (so its auth_query pool keeps one server
        // connection per database, deterministically), all instances at once.
        await Promise.all(
            fills.map(async ({ t, b, db, perDb }) => {
                expectServed += perDb;
                for (let i = 0; i <= perDb; i++) {
                    try {
                        const c = await asTenant(t, db, b.port);
                        clients.push(c);
                        served.push(
                            c.query("BEGIN; SELECT pg_backend_pid()").catch(() => undefined),
                        );
                    } catch (err) {
                        fail(t.name, db, `filling ${b.pooler}[${b.index}]`, err);
                        return;
                    }
                }
            }),
        );
        // Wait until the pools are full (the extra clients wait for a server).
        const deadline = Date.now() + 20000 + waitMs;
        let done = 0;
        served.forEach((p) => void p.then(() => done++));
        while (done < Math.min(expectServed, served.length) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 200 + waitMs));
        const rows = await admin.query(
            "SELECT usename, count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY usename ORDER BY usename",
        );
        const backends: Record<string, number> = {};
        for (const r of rows.rows) backends[String(r.usename)] = r.n as number;
        for (const t of tenants) {
            const n = backends[t.role] ?? 0;
            if (t.connectionLimit >= 0 && n > t.connectionLimit) {
                fail(
                    t.name,
                    t.databases.join(","),
                    "pooler at full pool",
                    `${n} backends > connection limit ${t.connectionLimit}`,
                );
            }
        }
        if (!(POOLER_USER in backends)) backends[POOLER_USER] = 0;
        return backends;
    } finally {
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
}

/**
 * A migration's session advisory lock (Harbor's golang-migrate, GitLab's Rails) held across
 * statements through a pooler (the tenant's, or `via`): the same backend answers, and a second
 * client cannot take the lock. With `expect: "not exclusive"`, the control for a transaction
 * pooler: PgBouncer returns the server connection to the pool after each transaction, so the
 * next client gets the backend that holds the lock and "acquires" it again (advisory locks are
 * re-entrant per session). Returns what the second client got.
 */
export async function advisoryLock(
    t: TenantView,
    db: string,
    byPooler: Map<string, BouncerInstance[]>,
    asTenant: (t: TenantView, db: string, port?: number) => Promise<Client>,
    fail: Fail,
    via: string | undefined = t.pooler,
    expect: "exclusive" | "not exclusive" = "exclusive",
): Promise<boolean | undefined> {
    const b = via ? byPooler.get(via)?.[0] : undefined;
    if (!b) {
        fail(t.name, db, "advisory lock", `no pooler ${via ?? ""} to go through`);
        return undefined;
    }
    const what = `session advisory lock through ${b.pooler}`;
    let a: Client | undefined;
    let other: Client | undefined;
    try {
        a = await asTenant(t, db, b.port);
        other = await asTenant(t, db, b.port);
        const key = 2026120201;
        await a.query("SELECT pg_advisory_lock($1)", [key]);
        const pid1 = (await a.query("SELECT pg_backend_pid() AS p")).rows[0].p;
        const held = await a.query(
            "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted",
        );
        const pid2 = (await a.query("SELECT pg_backend_pid() AS p")).rows[0].p;
        const taken = (await other.query("SELECT pg_try_advisory_lock($1) AS ok", [key])).rows[0]
            .ok;
        const released = (await a.query("SELECT pg_advisory_unlock($1) AS ok", [key])).rows[0].ok;
        if (expect === "not exclusive") {
            if (taken !== true) {
                fail(
                    t.name,
                    db,
                    `control: ${what}`,
                    `the second client could not take the lock (${String(taken)}): the transaction pooler kept it exclusive, so the control shows nothing`,
                );
            }
            return taken as boolean;
        }
        if (pid1 !== pid2 || held.rows[0].n !== 1 || taken !== false || released !== true) {
            fail(
                t.name,
                db,
                what,
                `backend ${pid1} then ${pid2}, locks held ${held.rows[0].n}, second session acquired ${taken}, unlock ${released}`,
            );
        }
        return taken as boolean;
    } catch (err) {
        fail(t.name, db, what, err);
        return undefined;
    } finally {
        await a?.end().catch(() => undefined);
        await other?.end().catch(() => undefined);
    }
}
