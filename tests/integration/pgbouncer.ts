/**
 * PgBouncer processes configured as CloudNativePG 1.30.0 generates pgbouncer.ini for a Pooler (tag
 * v1.30.0): pkg/management/pgbouncer/config/config.go (pgBouncerIniTemplateString with
 * `auth_dbname = postgres`, api/v1/pooler_types.go PoolerAuthDBName; pgbouncerHBAFileTemplateString;
 * defaultPgBouncerParameters, which since 1.28.0 hold auth_type, client_tls_sslmode and
 * server_tls_sslmode as defaults a Pooler may override; forcedPgBouncerParameters;
 * BuildConfigurationFiles with the TLS auth_query secret, no serverTLS: server_tls_cert_file/key =
 * the cnpg_pooler_pgbouncer client certificate) and pkg/management/pgbouncer/config/strings.go
 * (buildPgBouncerParameters, cleanupPgBouncerValue, stringifyPgBouncerParameters). auth_query is
 * api/v1/pooler_types.go DefaultPgBouncerPoolerAuthQuery unless the Pooler sets one. With
 * auth_dbname, PgBouncer runs auth_query in `postgres` whatever database the client asks for, so
 * cnpg_pooler_pgbouncer needs user_search there only (cnpg-instance.ts reconcilePoolers).
 *
 * Differences from a pod: `[databases] * = host=<cluster>-<type>` points at the throwaway server
 * (127.0.0.1 and its port: every Pooler type reaches the one instance here); listen_addr is
 * 127.0.0.1 and listen_port a free port instead of `*`:5432; paths are under a temporary directory.
 * One process per Pooler instance (each pod is its own PgBouncer). A parameter the installed
 * PgBouncer does not know ("unknown parameter") is dropped and reported; `auth_dbname` too (PgBouncer
 * 1.18, Debian bookworm's, predates it), and then auth_query runs in the client's database as it
 * did under CNPG before 1.28.0 (tier.ts has user_search created in every database for it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { unwrap, type Registration } from "../../scripts/mock-runtime";
import { POOLER_AUTH_DBNAME, POOLER_USER } from "./cnpg-instance";
import { freePorts, serverDir, spawnAsServer, waitForPort, writeServerFile } from "./processes";

export const DEFAULT_AUTH_QUERY = "SELECT usename, passwd FROM public.user_search($1)";

export interface PoolerView {
    name: string;
    cluster: string;
    type: string;
    instances: number;
    poolMode: string;
    parameters: Record<string, string>;
    pgHba: string[];
    authQuery: string;
    tenantLabel?: string;
}

const POOLER_TYPE = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const KNOWN_PGBOUNCER_FIELDS = ["poolMode", "parameters", "pg_hba", "authQuery", "paused"];

export function poolerViews(regs: Registration[]): PoolerView[] {
    return regs
        .filter((r) => r.type === POOLER_TYPE)
        .map((r) => {
            const p = unwrap(r.inputs) as any;
            const pgb = p.spec?.pgbouncer ?? {};
            const unknown = Object.keys(pgb).filter((k) => !KNOWN_PGBOUNCER_FIELDS.includes(k));
            if (unknown.length > 0) {
                throw new Error(
                    `Pooler ${p.metadata.name}: spec.pgbouncer.${unknown.join(", ")} is not translated to pgbouncer.ini ` +
                        "(tests/integration/pgbouncer.ts)",
                );
            }
            return {
                name: p.metadata.name,
                cluster: p.spec.cluster.name,
                type: p.spec.type ?? "rw",
                instances: p.spec.instances ?? 1,
                poolMode: pgb.poolMode ?? "session",
                parameters: Object.fromEntries(
                    Object.entries(pgb.parameters ?? {}).map(([k, v]) => [k, String(v)]),
                ),
                pgHba: pgb.pg_hba ?? [],
                authQuery: pgb.authQuery || DEFAULT_AUTH_QUERY,
                tenantLabel: p.metadata.labels?.["platform.monosense.io/tenant"],
            };
        });
}

export interface BouncerFiles {
    dir: string;
    socketDir: string;
    serverCa: string;
    /** Certificate PgBouncer presents to clients (the cluster's server certificate). */
    clientTlsCert: string;
    clientTlsKey: string;
    clientCa: string;
    /** cnpg_pooler_pgbouncer client certificate for the server (TLS auth_query secret). */
    authUserCert: string;
    authUserKey: string;
}

/** buildPgBouncerParameters with the forced values adapted to this machine. */
export function pgbouncerParameters(
    pooler: PoolerView,
    listenPort: number,
    files: BouncerFiles,
    drop: Set<string> = new Set(),
): Record<string, string> {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(pooler.parameters)) {
        params[k] = v.replace(/\r\n|[\r\n\v\f\u0085\u2028\u2029]/g, "");
    }
    const defaults: Record<string, string> = {
        log_stats: "0",
        auth_type: "hba",
        client_tls_sslmode: "prefer",
        server_tls_sslmode: "verify-ca",
        ignore_startup_parameters: "extra_float_digits,options",
    };
    for (const [k, v] of Object.entries(defaults)) {
        if (k in params) {
            if (k === "ignore_startup_parameters") params[k] = `${v},${params[k] ?? ""}`;
        } else params[k] = v;
    }
    Object.assign(params, {
        unix_socket_dir: files.socketDir,
        listen_port: String(listenPort),
        listen_addr: "127.0.0.1",
        admin_users: "pgbouncer",
        auth_hba_file: path.join(files.dir, "pg_hba.conf"),
        server_tls_ca_file: files.serverCa,
        client_tls_cert_file: files.clientTlsCert,
        client_tls_key_file: files.clientTlsKey,
        client_tls_ca_file: files.clientCa,
        server_tls_cert_file: files.authUserCert,
        server_tls_key_file: files.authUserKey,
    });
    return Object.fromEntries(Object.entries(params).filter(([k]) => !drop.has(k)));
}

export function pgbouncerIni(
    pooler: PoolerView,
    server: { host: string; port: number },
    params: Record<string, string>,
    drop: Set<string> = new Set(),
): string {
    const lines = Object.keys(params)
        .sort()
        .map((k) => `${k} = ${params[k] ?? ""}`);
    return [
        "",
        "[databases]",
        `* = host=${server.host} port=${server.port}`,
        "",
        "[pgbouncer]",
        `pool_mode = ${pooler.poolMode}`,
        `auth_user = ${POOLER_USER}`,
        `auth_query = ${pooler.authQuery}`,
        ...(drop.has("auth_dbname") ? [] : [`auth_dbname = ${POOLER_AUTH_DBNAME}`]),
        "",
        ...lines,
        "",
    ].join("\n");
}

export function pgbouncerHba(pooler: PoolerView): string {
    return [
        "",
        "local pgbouncer pgbouncer peer",
        "",
        ...pooler.pgHba,
        "",
        "host all all 0.0.0.0/0 md5",
        "host all all ::/0 md5",
        "",
    ].join("\n");
}

export interface BouncerInstance {
    pooler: string;
    index: number;
    port: number;
    /** Effective parameters (after drops). */
    parameters: Record<string, string>;
    child: ChildProcess;
    output: () => string;
}

export interface Bouncers {
    instances: BouncerInstance[];
    /** Pooler parameters the installed PgBouncer does not know, dropped: pooler → names. */
    dropped: Record<string, string[]>;
    version: string;
    stop(): Promise<void>;
}

function pgbouncerBinary(): string {
    const res = spawnSync(
        "sh",
        ["-c", "PATH=$PATH:/usr/sbin:/usr/local/sbin command -v pgbouncer"],
        {
            encoding: "utf8",
        },
    );
    const bin = res.stdout.trim();
    if (res.status !== 0 || !bin) throw new Error("pgbouncer not found: apt-get install pgbouncer");
    return bin;
}

export async function startBouncers(
    poolers: PoolerView[],
    server: { host: string; port: number },
    certDir: string,
): Promise<Bouncers> {
    const bin = pgbouncerBinary();
    const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0] ?? "";
    const total = poolers.reduce((s, p) => s + p.instances, 0);
    const ports = await freePorts(total);
    const instances: BouncerInstance[] = [];
    const dropped: Record<string, string[]> = {};
    const dirs: string[] = [];
    const stop = async () => {
        await Promise.all(
            instances.map(
                (i) =>
                    new Promise<void>((resolve) => {
                        if (i.child.exitCode !== null || i.child.signalCode !== null)
                            return resolve();
                        i.child.once("exit", () => resolve());
                        i.child.kill("SIGTERM");
                    }),
            ),
        );
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    };
    const startOne = async (pooler: PoolerView, index: number, port: number, drop: Set<string>) => {
        const dir = serverDir(`platform-pgb-${pooler.name}-${index}-`);
        dirs.push(dir);
        const files: BouncerFiles = {
            dir,
            socketDir: dir,
            serverCa: path.join(certDir, "ca.crt"),
            clientTlsCert: path.join(certDir, "server.crt"),
            clientTlsKey: path.join(certDir, "server.key"),
            clientCa: path.join(certDir, "ca.crt"),
            authUserCert: path.join(certDir, "pooler.crt"),
            authUserKey: path.join(certDir, "pooler.key"),
        };
        writeServerFile(path.join(dir, "pg_hba.conf"), pgbouncerHba(pooler));
        for (let attempt = 0; ; attempt++) {
            const params = pgbouncerParameters(pooler, port, files, drop);
            const ini = path.join(dir, "pgbouncer.ini");
            writeServerFile(ini, pgbouncerIni(pooler, server, params, drop));
            const { child, output } = spawnAsServer(bin, [ini], dir);
            try {
                await waitForPort(port, () => child.exitCode === null);
                instances.push({
                    pooler: pooler.name,
                    index,
                    port,
                    parameters: params,
                    child,
                    output,
                });
                return;
            } catch {
                await new Promise((r) => setTimeout(r, 50));
                const log = output();
                const unknown = [...log.matchAll(/unknown parameter: pgbouncer\/(\S+)/g)]
                    .map((m) => m[1]!)
                    .filter((k) => !drop.has(k));
                child.kill("SIGKILL");
                if (unknown.length === 0 || attempt > 10) {
                    throw new Error(`PgBouncer for Pooler ${pooler.name} did not start:\n${log}`);
                }
                for (const k of unknown) drop.add(k);
            }
        }
    };
    try {
        let next = 0;
        await Promise.all(
            poolers.map(async (pooler) => {
                const mine = ports.slice(next, (next += pooler.instances));
                // The first instance learns which parameters to drop; the others start with them.
                const drop = new Set<string>();
                if (mine.length > 0) await startOne(pooler, 0, mine[0]!, drop);
                await Promise.all(
                    mine.slice(1).map((port, i) => startOne(pooler, i + 1, port, drop)),
                );
                if (drop.size > 0) dropped[pooler.name] = [...drop].sort();
            }),
        );
        instances.sort((a, b) => a.pooler.localeCompare(b.pooler) || a.index - b.index);
    } catch (err) {
        await stop();
        throw err;
    }
    return { instances, dropped, version, stop };
}
