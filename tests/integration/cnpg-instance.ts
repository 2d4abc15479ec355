/**
 * A throwaway PostgreSQL set up the way CloudNativePG 1.30.0 sets up a primary instance, from the
 * rendered `Cluster`. What is taken from CNPG (tag v1.30.0):
 *
 * - pkg/specs/jobs.go buildInitDBFlags + api/v1/cluster_defaults.go: initdb with
 *   `--encoding=UTF8 --lc-collate=C --lc-ctype=C`, and pkg/management/postgres/initdb.go
 *   CreateDataDirectory (`--username postgres`, the operator's config file included).
 * - pkg/postgres/configuration.go: hbaTemplateString (fixed rules: peer for cnpg_metrics_exporter
 *   and the `local` map, certificate rules with the cnpg_streaming_replica and
 *   cnpg_pooler_pgbouncer maps; then the Cluster's `postgresql.pg_hba`, then
 *   `host all all all scram-sha-256`, the default method from PostgreSQL 14 per
 *   pkg/management/postgres/configuration.go), identTemplateString (the four fixed maps),
 *   CnpgConfigurationSettings (GlobalDefaultSettings, MandatorySettings), FixedConfigurationParameters
 *   (user values for them are ignored, as CreatePostgresqlConfiguration does), archive_mode "on",
 *   cluster_name, and CreatePostgresqlConfFile (sorted `key = 'value'` lines; the trailing
 *   `cnpg.config_sha256` line is left out).
 * - pkg/management/postgres/initdb.go ConfigureNewInstance: `CREATE ROLE app LOGIN`, `CREATE
 *   DATABASE app OWNER app` (bootstrap.initdb database/owner, default "app").
 * - internal/cmd/manager/instance/run/lifecycle/run.go configureStreamingReplicaUser and
 *   configurePgRewindPrivileges: `streaming_replica` and its pg_rewind grants, then
 *   pkg/management/postgres/metrics_exporter_role.go SetupMetricsExporterRole:
 *   `cnpg_metrics_exporter` (LOGIN, no password, member of pg_monitor).
 * - pkg/management/postgres/utils/roles.go SetUserPassword / DisableSuperuserPassword, as
 *   internal/management/controller/instance_controller.go applies them for enableSuperuserAccess
 *   (password from the rendered superuser Secret) and for the app user.
 * - internal/controller/cluster_create.go reconcilePoolerSecrets: the `cnpg_pooler_pgbouncer` client
 *   certificate (CN cnpg_pooler_pgbouncer) signed by the client CA; the server certificate is the
 *   cluster's, with `certificates.serverAltDNSNames`.
 *
 * Where this instance differs from a pod: PostgreSQL is Debian's newest major here (15 on
 * bookworm; the cluster runs the image's 16), listen_addresses is 127.0.0.1 on a free port instead
 * of `*`:5432, paths (socket, certificates, logs) are under a temporary directory, and
 * archive_command is `true` (there is no instance manager to archive WAL), and fsync is off;
 * every statement is logged and pg_stat_statements is loaded, for the tier's password audit. One
 * CA signs the server and client certificates (CNPG's default `<cluster>-ca` is also one CA for
 * both).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { unwrap, type Registration } from "../../scripts/mock-runtime";
import {
    postgresBinDir,
    chownToServer,
    runAsServer,
    SERVER_USER,
    serverDir,
    writeServerFile,
    freePorts,
} from "./processes";

/** CNPG's name for the auth_query role (api/v1/cluster_types.go PGBouncerPoolerUserName). */
export const POOLER_USER = "cnpg_pooler_pgbouncer";

/** CNPG's role for the metrics exporter (api/v1/cluster_types.go MetricsExporterUserName). */
export const METRICS_EXPORTER_USER = "cnpg_metrics_exporter";

/** The database PgBouncer runs auth_query in (api/v1/pooler_types.go PoolerAuthDBName). */
export const POOLER_AUTH_DBNAME = "postgres";

/** pkg/postgres/configuration.go FixedConfigurationParameters (keys). */
const FIXED_PARAMETERS = new Set([
    "allow_system_table_mods", "archive_mode", "bonjour", "bonjour_name", "cluster_name",
    "config_file", "data_directory", "data_sync_retry", "event_source", "external_pid_file",
    "hba_file", "hot_standby", "ident_file", "jit_provider", "listen_addresses",
    "logging_collector", "port", "primary_conninfo", "primary_slot_name", "recovery_target",
    "recovery_target_action", "recovery_target_inclusive", "recovery_target_lsn",
    "recovery_target_name", "recovery_target_time", "recovery_target_timeline",
    "recovery_target_xid", "restore_command", "shared_preload_libraries", "temp_tablespaces",
    "unix_socket_directories", "unix_socket_group", "unix_socket_permissions",
    "archive_cleanup_command", "archive_command", "log_destination", "log_directory",
    "log_file_mode", "log_filename", "log_rotation_age", "log_rotation_size",
    "log_truncate_on_rotation", "pg_failover_slots.primary_dsn", "pg_failover_slots.standby_slot_names", "promote_trigger_file",
    "recovery_end_command", "recovery_min_apply_delay", "restart_after_crash", "ssl",
    "ssl_ca_file", "ssl_cert_file", "ssl_crl_file", "ssl_dh_params_file", "ssl_ecdh_curve",
    "ssl_key_file", "ssl_passphrase_command", "ssl_passphrase_command_supports_reload",
    "ssl_prefer_server_ciphers", "stats_temp_directory", "synchronous_standby_names",
    "synchronized_standby_slots",
    "syslog_facility", "syslog_ident", "syslog_sequence_numbers", "syslog_split_messages",
]); // prettier-ignore

/** The rendered Cluster, as the instance needs it. */
export interface ClusterView {
    name: string;
    namespace: string;
    parameters: Record<string, string>;
    pgHba: string[];
    sharedPreloadLibraries: string[];
    serverAltDNSNames: string[];
    enableSuperuserAccess: boolean;
    superuserPassword?: string;
    appDatabase: string;
    appOwner: string;
}

const CLUSTER_TYPE = "kubernetes:postgresql.cnpg.io/v1:Cluster";

export function clusterView(regs: Registration[]): ClusterView {
    const clusters = regs.filter((r) => r.type === CLUSTER_TYPE);
    if (clusters.length !== 1) {
        throw new Error(`expected one CNPG Cluster in the render, found ${clusters.length}`);
    }
    const c = unwrap(clusters[0]!.inputs) as any;
    const spec = c.spec ?? {};
    const pgSpec = spec.postgresql ?? {};
    const secretName: string | undefined = spec.superuserSecret?.name;
    const secret = regs.find(
        (r) =>
            r.type === "kubernetes:core/v1:Secret" &&
            (unwrap(r.inputs) as any).metadata?.name === secretName,
    );
    const sd = secret ? ((unwrap(secret.inputs) as any).stringData ?? {}) : {};
    const initdb = spec.bootstrap?.initdb ?? {};
    return {
        name: c.metadata.name,
        namespace: c.metadata.namespace,
        parameters: Object.fromEntries(
            Object.entries(pgSpec.parameters ?? {}).map(([k, v]) => [k, String(v)]),
        ),
        pgHba: pgSpec.pg_hba ?? [],
        sharedPreloadLibraries: pgSpec.shared_preload_libraries ?? [],
        serverAltDNSNames: spec.certificates?.serverAltDNSNames ?? [],
        enableSuperuserAccess: spec.enableSuperuserAccess === true,
        superuserPassword: typeof sd.password === "string" ? sd.password : undefined,
        appDatabase: initdb.database ?? "app",
        appOwner: initdb.owner ?? initdb.database ?? "app",
    };
}

/** pkg/postgres/configuration.go hbaTemplateString, default method scram-sha-256. */
export function hbaConf(userRules: string[]): string {
    return [
        "#",
        "# FIXED RULES",
        "#",
        "",
        "# Grant local access ('local' user map)",
        `local all ${METRICS_EXPORTER_USER} peer map=${METRICS_EXPORTER_USER}`,
        "local all all peer map=local",
        "",
        "# Require client certificate authentication for the streaming_replica user",
        "hostssl postgres streaming_replica all cert map=cnpg_streaming_replica",
        "hostssl replication streaming_replica all cert map=cnpg_streaming_replica",
        `hostssl all ${POOLER_USER} all cert map=${POOLER_USER}`,
        "",
        "#",
        "# USER-DEFINED RULES",
        "#",
        "",
        ...userRules,
        "",
        "#",
        "# DEFAULT RULES",
        "#",
        "host all all all scram-sha-256",
        "",
    ].join("\n");
}

/**
 * pkg/postgres/configuration.go identTemplateString: the OS user running PostgreSQL → postgres
 * (`local`) and → cnpg_metrics_exporter; each certificate CN → the role of that name.
 */
export function identConf(osUser: string): string {
    return [
        "#",
        "# FIXED RULES",
        "#",
        "",
        "# Grant local access ('local' user map)",
        `local ${osUser} postgres`,
        "",
        "# Grant streaming_replica access ('cnpg_streaming_replica' user map)",
        "cnpg_streaming_replica streaming_replica streaming_replica",
        "",
        "# Grant cnpg_pooler_pgbouncer access ('cnpg_pooler_pgbouncer' user map)",
        `${POOLER_USER} ${POOLER_USER} ${POOLER_USER}`,
        "",
        "# Grant cnpg_metrics_exporter access via peer authentication on the Unix socket",
        `${METRICS_EXPORTER_USER} ${osUser} ${METRICS_EXPORTER_USER}`,
        "",
    ].join("\n");
}

export interface RuntimePaths {
    port: number;
    socketDir: string;
    logDir: string;
    certDir: string;
}

/**
 * The operator's configuration file: GlobalDefaultSettings, the Cluster's parameters (fixed ones
 * ignored), MandatorySettings (paths and listen address adapted, see the header), archive_mode,
 * cluster_name, shared_preload_libraries; sorted, values quoted.
 */
export function postgresqlConf(
    cluster: ClusterView,
    rt: RuntimePaths,
    drop: Set<string> = new Set(),
): { text: string; ignored: string[] } {
    const conf = new Map<string, string>(
        Object.entries({
            // GlobalDefaultSettings
            archive_timeout: "5min",
            dynamic_shared_memory_type: "posix",
            full_page_writes: "on",
            logging_collector: "on",
            log_destination: "csvlog",
            log_directory: rt.logDir,
            log_filename: "postgres",
            log_rotation_age: "0",
            log_rotation_size: "0",
            log_truncate_on_rotation: "false",
            max_parallel_workers: "32",
            max_worker_processes: "32",
            max_replication_slots: "32",
            shared_memory_type: "mmap",
            ssl_max_protocol_version: "TLSv1.3",
            ssl_min_protocol_version: "TLSv1.3",
            wal_keep_size: "512MB",
            wal_level: "logical",
            wal_log_hints: "on",
            wal_sender_timeout: "5s",
            wal_receiver_timeout: "5s",
            shared_preload_libraries: "",
        }),
    );
    const ignored: string[] = [];
    for (const [k, v] of Object.entries(cluster.parameters)) {
        if (FIXED_PARAMETERS.has(k)) ignored.push(k);
        else conf.set(k, v);
    }
    // MandatorySettings
    conf.set("archive_command", "true");
    conf.set("hot_standby", "true");
    conf.set("listen_addresses", "127.0.0.1");
    conf.set("port", String(rt.port));
    conf.set("restart_after_crash", "false");
    conf.set("ssl", "on");
    conf.set("ssl_cert_file", path.join(rt.certDir, "server.crt"));
    conf.set("ssl_key_file", path.join(rt.certDir, "server.key"));
    conf.set("ssl_ca_file", path.join(rt.certDir, "ca.crt"));
    conf.set("unix_socket_directories", rt.socketDir);
    conf.set("archive_mode", "on");
    conf.set("cluster_name", cluster.name);
    if (cluster.sharedPreloadLibraries.length > 0) {
        conf.set("shared_preload_libraries", cluster.sharedPreloadLibraries.join(","));
    }
    // Not CNPG's: the tier's audit (tier.ts) reads every statement the server saw, in the log and
    // in pg_stat_statements (utility statements too, as track_utility's default records them).
    conf.set(
        "shared_preload_libraries",
        [...new Set([...cluster.sharedPreloadLibraries, "pg_stat_statements"])].join(","),
    );
    conf.set("log_statement", "all");
    conf.set("pg_stat_statements.track", "all");
    conf.set("pg_stat_statements.track_utility", "on");
    conf.set("pg_stat_statements.max", "20000");
    // A throwaway server: durability is not under test, and CREATE DATABASE (WAL_LOG since 15)
    // fsyncs a copy of template0 each time.
    conf.set("fsync", "off");
    for (const k of drop) conf.delete(k);
    const text = [...conf.keys()]
        .sort()
        .map((k) => `${k} = '${(conf.get(k) ?? "").replace(/'/g, "''")}'`)
        .join("\n");
    return { text: `${text}\n`, ignored };
}

function openssl(args: string[], cwd: string): void {
    runAsServer("openssl", args, { cwd });
}

/** CA, server certificate (cluster Services + alt names + loopback) and the pooler's client cert. */
function makeCertificates(dir: string, cluster: ClusterView): void {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
         "-subj", `/CN=${cluster.name}`,
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        dir,
    ); // prettier-ignore
    const sign = (name: string, cn: string, ext: string) => {
        openssl(
            ["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`],
            dir,
        );
        writeServerFile(path.join(dir, `${name}.ext`), ext);
        openssl(
            ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", `${name}.ext`],
            dir,
        ); // prettier-ignore
    };
    const services = ["rw", "r", "ro"].flatMap((s) => {
        const svc = `${cluster.name}-${s}`;
        return [svc, `${svc}.${cluster.namespace}`, `${svc}.${cluster.namespace}.svc`];
    });
    const dns = [...new Set([...services, ...cluster.serverAltDNSNames, "localhost"])];
    sign(
        "server",
        `${cluster.name}-rw`,
        `subjectAltName=${[...dns.map((d) => `DNS:${d}`), "IP:127.0.0.1"].join(",")}\nextendedKeyUsage=serverAuth\n`,
    );
    sign("pooler", POOLER_USER, "extendedKeyUsage=clientAuth\n");
    for (const f of fs.readdirSync(dir)) {
        fs.chmodSync(path.join(dir, f), f.endsWith(".key") ? 0o600 : 0o644);
    }
}

export interface Instance {
    port: number;
    major: number;
    dir: string;
    certDir: string;
    socketDir: string;
    /**
     * The server's log files (csvlog, every statement: log_statement = all), concatenated, with
     * csvlog's doubled quotes undone.
     */
    serverLog(): string;
    /** Parameters of the Cluster the server does not know (dropped), and fixed ones ignored. */
    droppedParameters: string[];
    ignoredParameters: string[];
    /** Runs SQL as the superuser over the local socket (peer, `local` map), as the instance manager does. */
    psql(sql: string, database?: string): string;
    stop(): void;
}

const startLogFile = (dir: string) => path.join(dir, "start.log");

/** initdb, configuration, TLS, start, and the instance manager's bootstrap SQL. */
export async function startInstance(cluster: ClusterView, appPassword: string): Promise<Instance> {
    const { bin, major } = postgresBinDir();
    const dir = serverDir("platform-pg-");
    const data = path.join(dir, "data");
    const certDir = path.join(dir, "certs");
    const socketDir = path.join(dir, "run");
    const logDir = path.join(dir, "log");
    for (const d of [certDir, socketDir, logDir]) {
        fs.mkdirSync(d, { mode: 0o700 });
        chownToServer(d);
    }
    const [port] = await freePorts(1);
    const rt: RuntimePaths = { port: port!, socketDir, logDir, certDir };

    runAsServer(path.join(bin, "initdb"), [
        "--username", "postgres", "-D", data, "--no-sync",
        "--encoding=UTF8", "--lc-collate=C", "--lc-ctype=C",
    ]); // prettier-ignore
    makeCertificates(certDir, cluster);
    fs.appendFileSync(path.join(data, "postgresql.conf"), "\ninclude 'custom.conf'\n");
    writeServerFile(path.join(data, "pg_hba.conf"), hbaConf(cluster.pgHba));
    writeServerFile(path.join(data, "pg_ident.conf"), identConf(SERVER_USER));

    // Parameters this server does not know are dropped and reported (the cluster's 16 may have
    // some that 15 lacks); anything else that stops it from starting is an error.
    const drop = new Set<string>();
    let ignored: string[] = [];
    for (;;) {
        const conf = postgresqlConf(cluster, rt, drop);
        ignored = conf.ignored;
        writeServerFile(path.join(data, "custom.conf"), conf.text);
        const startLog = startLogFile(dir);
        try {
            runAsServer(path.join(bin, "pg_ctl"), [
                "-D",
                data,
                "-l",
                startLog,
                "-w",
                "-t",
                "60",
                "start",
            ]);
            break;
        } catch (err) {
            const log = fs.existsSync(startLog) ? fs.readFileSync(startLog, "utf8") : "";
            const unknown = [...log.matchAll(/unrecognized configuration parameter "([^"]+)"/g)]
                .map((m) => m[1]!)
                .filter((k) => !drop.has(k));
            if (unknown.length === 0) {
                throw new Error(`PostgreSQL ${major} did not start:\n${log}\n${String(err)}`);
            }
            for (const k of unknown) drop.add(k);
        }
    }

    const psql = (sql: string, database = "postgres") =>
        runAsServer(
            path.join(bin, "psql"),
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDir, "-p", String(rt.port),
             "-U", "postgres", "-d", database, "-f", "-"],
            { input: sql, cwd: dir },
        ); // prettier-ignore
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const superuser =
        cluster.enableSuperuserAccess && cluster.superuserPassword
            ? `ALTER ROLE postgres WITH PASSWORD ${lit(cluster.superuserPassword)};`
            : "ALTER ROLE postgres WITH PASSWORD NULL;";
    psql(
        [
            // ConfigureNewInstance
            `CREATE ROLE ${ident(cluster.appOwner)} LOGIN;`,
            `CREATE DATABASE ${ident(cluster.appDatabase)} OWNER ${ident(cluster.appOwner)};`,
            // configureStreamingReplicaUser, configurePgRewindPrivileges
            "CREATE USER streaming_replica REPLICATION;",
            "COMMENT ON ROLE streaming_replica IS 'Special user for streaming replication created by CloudNativePG';",
            "GRANT EXECUTE ON function pg_catalog.pg_ls_dir(text, boolean, boolean) TO streaming_replica;",
            "GRANT EXECUTE ON function pg_catalog.pg_stat_file(text, boolean) TO streaming_replica;",
            "GRANT EXECUTE ON function pg_catalog.pg_read_binary_file(text) TO streaming_replica;",
            "GRANT EXECUTE ON function pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO streaming_replica;",
            // SetupMetricsExporterRole
            `CREATE ROLE ${METRICS_EXPORTER_USER} WITH LOGIN PASSWORD NULL;`,
            `GRANT pg_monitor TO ${METRICS_EXPORTER_USER};`,
            // SetUserPassword / DisableSuperuserPassword
            superuser,
            `ALTER ROLE ${ident(cluster.appOwner)} WITH PASSWORD ${lit(appPassword)};`,
        ].join("\n"),
    );

    return {
        port: rt.port,
        major,
        dir,
        certDir,
        socketDir,
        droppedParameters: [...drop],
        ignoredParameters: ignored,
        serverLog: () =>
            [startLogFile(dir), ...fs.readdirSync(logDir).map((f) => path.join(logDir, f))]
                .filter((f) => fs.existsSync(f))
                .map((f) => fs.readFileSync(f, "utf8"))
                .join("\n")
                // csvlog doubles the quotes inside a field
                .replace(/""/g, '"'),
        psql,
        stop: () => {
            try {
                runAsServer(path.join(bin, "pg_ctl"), [
                    "-D",
                    data,
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    };
}

const USER_SEARCH = "SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename=$1;";

/** `public.user_search` with its grants, created in `database` unless already there. */
function userSearch(instance: Instance, database: string): void {
    const q = (x: string) => x.replace(/'/g, "''");
    instance.psql(
        `DO $cnpg$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname='user_search' AND prosrc='${q(USER_SEARCH)}' AND proconfig IS NOT NULL) THEN
    CREATE OR REPLACE FUNCTION public.user_search(uname TEXT) RETURNS TABLE (usename name, passwd text) as '${q(USER_SEARCH)}' LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
    REVOKE ALL ON FUNCTION public.user_search(text) FROM public;
    GRANT EXECUTE ON FUNCTION public.user_search(text) TO ${POOLER_USER};
  END IF;
END
$cnpg$;`,
        database,
    );
}

/**
 * internal/management/controller/instance_controller.go reconcilePgbouncerAuthUser, as the
 * periodic reconcile runs it once a Pooler exists, in the superuser database only: the role (only
 * if missing, with CONNECT on `postgres`, api/v1/pooler_types.go PoolerAuthDBName), then
 * `public.user_search` (only if missing or without its pinned search_path), EXECUTE revoked from
 * PUBLIC and granted to the role.
 *
 * `authInEveryDatabase`: for a PgBouncer older than `auth_dbname` (dropped from pgbouncer.ini and
 * reported), which runs auth_query in the database the client asks for, the function is also
 * created in every database with datallowconn, so that logins through it can be tested at all.
 */
export function reconcilePoolers(instance: Instance, authInEveryDatabase = false): void {
    instance.psql(
        `DO $cnpg$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '${POOLER_USER}') THEN
    CREATE ROLE ${POOLER_USER} WITH LOGIN;
    GRANT CONNECT ON DATABASE ${POOLER_AUTH_DBNAME} TO ${POOLER_USER};
  END IF;
END
$cnpg$;`,
        POOLER_AUTH_DBNAME,
    );
    userSearch(instance, POOLER_AUTH_DBNAME);
    if (!authInEveryDatabase) return;
    const dbs = instance
        .psql("SELECT datname FROM pg_catalog.pg_database WHERE datallowconn")
        .split("\n")
        .map((s) => s.trim())
        .filter((d) => d && d !== POOLER_AUTH_DBNAME);
    for (const db of dbs) userSearch(instance, db);
}
