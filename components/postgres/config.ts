/**
 * Config of the shared PostgreSQL cluster (`platform:postgres`) and its tenants
 * (`platform:tenants`: role, databases, PgBouncer pooler), with the rules across their fields.
 * Backup destinations, recovery and the Barman Cloud plugin are in ./backup-config; admin access
 * and TLS in ./access-config; the connection budget in ./budget.
 */
import { z } from "zod";
import {
    cidr,
    dnsLabel,
    EVERY_ADDRESS,
    int,
    pgIdent,
    resourcesSchema,
    stringMap,
    volume,
} from "../schema";
import { claim, type Problem } from "../problems";
import { tenantClientsSchema } from "../network/config";
import { cronProblem } from "./cron";
import { recoveryProblems, recoverySchema } from "./backup-config";
import {
    backupTransportFields,
    backupTransportProblems,
    recoverySourceTransportProblems,
} from "./backup-transport";

// PgBouncer parameters CNPG 1.26 accepts on a Pooler (internal/webhook/v1/pooler_webhook.go).

export const PGBOUNCER_ALLOWED_PARAMETERS: readonly string[] = [
    "application_name_add_host",
    "autodb_idle_timeout",
    "cancel_wait_timeout",
    "client_idle_timeout",
    "client_login_timeout",
    "default_pool_size",
    "disable_pqexec",
    "dns_max_ttl",
    "dns_nxdomain_ttl",
    "idle_transaction_timeout",
    "ignore_startup_parameters",
    "listen_backlog",
    "log_connections",
    "log_disconnections",
    "log_pooler_errors",
    "log_stats",
    "max_client_conn",
    "max_db_connections",
    "max_packet_size",
    "max_prepared_statements",
    "max_user_connections",
    "min_pool_size",
    "pkt_buf",
    "query_timeout",
    "query_wait_timeout",
    "reserve_pool_size",
    "reserve_pool_timeout",
    "sbuf_loopcnt",
    "server_check_delay",
    "server_check_query",
    "server_connect_timeout",
    "server_fast_close",
    "server_idle_timeout",
    "server_lifetime",
    "server_login_retry",
    "server_reset_query",
    "server_reset_query_always",
    "server_round_robin",
    "server_tls_ciphers",
    "server_tls_protocols",
    "stats_period",
    "suspend_timeout",
    "tcp_defer_accept",
    "tcp_socket_buffer",
    "tcp_keepalive",
    "tcp_keepcnt",
    "tcp_keepidle",
    "tcp_keepintvl",
    "tcp_user_timeout",
    "track_extra_parameters",
    "verbose",
];

/** PgBouncer parameters whose value must be a non-negative integer. */
const PGBOUNCER_INTEGER_PARAMETERS = new Set([
    "default_pool_size",
    "reserve_pool_size",
    "max_client_conn",
    "max_db_connections",
    "max_user_connections",
    "min_pool_size",
    "max_prepared_statements",
]);

/**
 * PostgreSQL parameters CNPG fixes itself, or that this project manages through a dedicated key.
 * Setting them in `postgres.parameters` is rejected with a pointer to the right place.
 */
export const RESERVED_PG_PARAMETERS: Record<string, string> = {
    max_connections:
        "set postgres.maxConnections instead (it is checked against the pooler budget)",
    shared_preload_libraries: "set postgres.sharedPreloadLibraries instead",
    listen_addresses: "is fixed by CloudNativePG",
    port: "is fixed by CloudNativePG",
    archive_mode: "is fixed by CloudNativePG",
    archive_command: "is fixed by CloudNativePG",
    restore_command: "is fixed by CloudNativePG",
    hot_standby: "is fixed by CloudNativePG",
    wal_level: "is fixed by CloudNativePG",
    wal_log_hints: "is fixed by CloudNativePG",
    ssl: "is fixed by CloudNativePG",
    ssl_ca_file: "is fixed by CloudNativePG",
    ssl_cert_file: "is fixed by CloudNativePG",
    ssl_key_file: "is fixed by CloudNativePG",
    log_destination: "is fixed by CloudNativePG",
    log_directory: "is fixed by CloudNativePG",
    log_filename: "is fixed by CloudNativePG",
    logging_collector: "is fixed by CloudNativePG",
    unix_socket_directories: "is fixed by CloudNativePG",
    data_directory: "is fixed by CloudNativePG",
    hba_file: "is fixed by CloudNativePG",
    ident_file: "is fixed by CloudNativePG",
};

/** Role names CNPG or PostgreSQL reserve. */
export function reservedRoleReason(role: string): string | undefined {
    if (["postgres", "streaming_replica", "public"].includes(role)) return "is reserved";
    if (role.startsWith("cnpg_")) return "starts with cnpg_, which CloudNativePG reserves";
    if (role.startsWith("pg_")) return "starts with pg_, which PostgreSQL reserves";
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// Schemas

export const backupSchema = z.strictObject({
    destinationPath: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/, {
        error: 'must be an S3 URL such as "s3://monosense-cnpg/shared-postgres"',
    }),
    endpointURL: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }),
    retentionPolicy: z
        .string()
        .regex(/^[1-9][0-9]*[dwm]$/, { error: 'must be a number and d, w or m, such as "30d"' })
        .default("30d"),
    schedule: z.string().default("0 0 2 * * *"),
    /** Take a base backup as soon as the ScheduledBackup exists, so WAL archived before the first schedule can be restored. */
    immediate: z.boolean().default(true),
    target: z.enum(["prefer-standby", "primary"]).default("prefer-standby"),
    walCompression: z.enum(["bzip2", "gzip", "lz4", "snappy", "xz", "zstd"]).default("gzip"),
    dataCompression: z.enum(["bzip2", "gzip", "snappy"]).default("gzip"),
    /**
     * Server-side encryption asked of the object store. Unset (default) leaves it to the bucket's
     * policy, as CloudNativePG does; MinIO without a KMS rejects SSE requests, failing every backup.
     */
    encryption: z.enum(["AES256", "aws:kms"]).optional(),
    /**
     * The server name the cluster archives under (default: its name). A PostgreSQL major upgrade
     * changes it, so the new major's timeline 1 does not mix with the old one's archive
     * (CloudNativePG docs/src/postgres_upgrades.md at v1.30.0, "Backup and WAL Archive Considerations").
     */
    serverName: dnsLabel(63).optional(),
    /** 1Password item (title relative to onepassword.itemPrefix) holding the MinIO credentials. */
    credentials: z
        .strictObject({
            item: z.string().min(1).default("cloudnative-pg/minio"),
            accessKeyField: z.string().min(1).default("accessKey"),
            secretKeyField: z.string().min(1).default("secretKey"),
        })
        .prefault({}),
    ...backupTransportFields,
});

const adminServiceSchema = z.strictObject({
    enabled: z.boolean().default(false),
    /** A LoadBalancer IP to pin through Cilium LB-IPAM (annotation lbipam.cilium.io/ips). */
    loadBalancerIP: z.ipv4({ error: "must be an IPv4 address" }).optional(),
    sourceRanges: z.array(cidr).default([]),
    /** Node and pod CIDRs of both clusters; sourceRanges overlapping them are refused. */
    clusterRanges: z.array(cidr).default([]),
    annotations: stringMap.default({}),
});

const adminSchema = z.strictObject({
    host: z.string().min(1),
    port: int(1, 65535).default(5432),
    sslmode: z.enum(["require", "verify-ca", "verify-full"]).default("require"),
    /** Path to the cluster's CA (PEM, from Secret `<cluster>-ca`) for verify-ca / verify-full. */
    sslrootcert: z.string().min(1).optional(),
});

export const postgresSchema = z.strictObject({
    name: dnsLabel(50).default("shared-postgres"),
    namespace: dnsLabel().default("cnpg-system"),
    instances: int(1, 9).default(3),
    imageName: z
        .string()
        .regex(/^[^\s:]+(:[0-9][^\s]*)?(@sha256:[a-f0-9]{64})?$/, {
            error: 'must be an image reference with a version tag, such as "ghcr.io/cloudnative-pg/postgresql:16.15-system-trixie"',
        })
        .refine((s) => /:[0-9]/.test(s), {
            error: 'needs an explicit PostgreSQL version tag (e.g. ":16.15-system-trixie"): CloudNativePG 1.30 defaults to PostgreSQL 18',
        }),
    storage: volume,
    walStorage: volume.optional(),
    resources: resourcesSchema.prefault({}),
    antiAffinity: z.enum(["preferred", "required"]).default("preferred"),
    maxConnections: int(20, 10000).default(100),
    reservedConnections: z
        .strictObject({
            /** PostgreSQL's superuser_reserved_connections (default 3). */
            superuser: int(0, 100).default(3),
            /** Headroom for the instance manager, metrics exporter, backups and admin sessions. */
            system: int(0, 1000).default(10),
        })
        .prefault({}),
    parameters: stringMap.default({}),
    sharedPreloadLibraries: z.array(z.string().min(1)).default([]),
    pgHba: z.array(z.string().min(1)).default(["hostssl all all all scram-sha-256"]),
    monitoring: z.strictObject({ podMonitor: z.boolean().default(false) }).prefault({}),
    backup: backupSchema.optional(),
    adminService: adminServiceSchema.prefault({}),
    admin: adminSchema,
    /** Restore the cluster's backups into a new cluster (see docs/backup-restore.md "Restoring"). */
    recovery: recoverySchema.optional(),
    /** How long Pulumi waits for the Cluster to report Ready. */
    readyTimeoutSeconds: int(60, 7200).default(1800),
    /**
     * The evidence a PostgreSQL major upgrade needs (docs/upgrades.md): the major the cluster runs
     * now and the completed base backup taken for the upgrade. plan-diff refuses a major change
     * of `imageName` without it; the Cluster carries both as annotations.
     */
    majorUpgrade: z
        .strictObject({
            fromMajor: int(13, 30),
            baseBackup: dnsLabel(253),
        })
        .optional(),
});

/** Annotations on the Cluster that record `postgres.majorUpgrade` for the review (plan-diff). */
export const MAJOR_UPGRADE_ANNOTATIONS = {
    fromMajor: "platform.monosense.io/major-upgrade-from",
    baseBackup: "platform.monosense.io/major-upgrade-base-backup",
} as const;

const poolerSchema = z.strictObject({
    enabled: z.boolean().default(true),
    instances: int(1, 10).default(2),
    type: z.enum(["rw", "ro", "r"]).default("rw"),
    poolMode: z.enum(["session", "transaction"]).default("session"),
    parameters: stringMap.default({}),
    /**
     * Annotate the pooler Service `service.cilium.io/global: "true"` (a ClusterMesh global
     * service). Unset means false; optional so TenantConfig literals elsewhere stay valid.
     */
    global: z.boolean().optional(),
});

export const tenantSchema = z.strictObject({
    name: dnsLabel(56),
    role: pgIdent,
    connectionLimit: int(1, 10000),
    databases: z
        .array(
            z.strictObject({
                name: pgIdent,
                extensions: z
                    .array(
                        z.string().regex(/^[a-z0-9_-]+$/, {
                            error: 'must be an extension name: lowercase letters, digits, "_" and "-", such as "pg_trgm"',
                        }),
                    )
                    .default([]),
            }),
        )
        .min(1, { error: "must list at least one database" }),
    /** Change to generate a new password for the role (and roll Harbor's pods for the harbor tenant). */
    passwordRotation: z.string().min(1).optional(),
    /** sslmode clients should use; written to the 1Password item and connection secrets. */
    sslmode: z.enum(["disable", "require", "verify-ca", "verify-full"]).default("require"),
    pooler: poolerSchema.prefault({}),
    /** Namespaces whose pods may reach the tenant's pooler (network policies). */
    clients: tenantClientsSchema.optional(),
});

export type PostgresConfig = z.infer<typeof postgresSchema>;
export type BackupConfig = z.infer<typeof backupSchema>;
export type TenantConfig = z.infer<typeof tenantSchema>;
export type PoolerConfig = z.infer<typeof poolerSchema>;

// ---------------------------------------------------------------------------------------------
// Cross-field rules

/** Rules across `platform:postgres`: reserved parameters, the backup schedule, the admin LoadBalancer's sources. */
export function postgresProblems(pg: PostgresConfig): Problem[] {
    const problems: Problem[] = [];
    for (const [name, value] of Object.entries(pg.parameters)) {
        const reason = RESERVED_PG_PARAMETERS[name];
        if (reason) {
            problems.push({ key: `postgres.parameters.${name}`, value, message: reason });
        }
    }
    if (pg.backup) {
        const cronError = cronProblem(pg.backup.schedule);
        if (cronError) {
            problems.push({
                key: "postgres.backup.schedule",
                value: pg.backup.schedule,
                message: cronError,
            });
        }
    }
    const major = Number(/:(\d+)/.exec(pg.imageName)?.[1]);
    if (pg.majorUpgrade && !(major > pg.majorUpgrade.fromMajor)) {
        problems.push({
            key: "postgres.majorUpgrade.fromMajor",
            value: pg.majorUpgrade.fromMajor,
            message: `says the cluster upgrades from PostgreSQL ${pg.majorUpgrade.fromMajor}, but imageName is PostgreSQL ${major}: raise imageName to the new major in the same change`,
        });
    }
    if (pg.adminService.enabled && pg.adminService.sourceRanges.length === 0) {
        problems.push({
            key: "postgres.adminService.sourceRanges",
            value: [],
            message:
                "must list the CIDRs allowed to reach PostgreSQL when adminService.enabled is true (a LoadBalancer open to every address is refused)",
        });
    }
    pg.adminService.sourceRanges.forEach((range, i) => {
        if (EVERY_ADDRESS.includes(range)) {
            problems.push({
                key: `postgres.adminService.sourceRanges[${i}]`,
                value: range,
                message:
                    "matches every address, which opens the superuser endpoint to everyone; list the networks that need it",
            });
        }
    });
    return problems;
}

/** Rules across `platform:tenants`: reserved and duplicate names, roles and databases, pooler parameters. */
export function tenantProblems(tenants: TenantConfig[], pg: PostgresConfig | undefined): Problem[] {
    const problems: Problem[] = [];
    const seen = {
        name: new Map<string, number>(),
        role: new Map<string, number>(),
        db: new Map<string, number>(),
    };
    tenants.forEach((t, i) => {
        const at = `tenants[${i}]`;
        if (["superuser", "minio"].includes(t.name)) {
            problems.push({
                key: `${at}.name`,
                value: t.name,
                message: "is reserved (its 1Password item title is used by the cluster itself)",
            });
        }
        const roleReason = reservedRoleReason(t.role);
        if (roleReason) problems.push({ key: `${at}.role`, value: t.role, message: roleReason });
        if (pg && `${t.name}-pooler` === pg.name) {
            problems.push({
                key: `${at}.name`,
                value: t.name,
                message: `gives Pooler "${t.name}-pooler", the name of the Cluster; CNPG rejects a Pooler named like its Cluster`,
            });
        }
        for (const [kind, value] of [
            ["name", t.name],
            ["role", t.role],
        ] as const) {
            const first = claim(seen[kind], value, i);
            if (first !== undefined) {
                problems.push({
                    key: `${at}.${kind}`,
                    value,
                    message: `is already used by tenants[${first}]; each tenant needs its own ${kind}`,
                });
            }
        }
        t.databases.forEach((db, j) => {
            if (["postgres", "template0", "template1"].includes(db.name)) {
                problems.push({
                    key: `${at}.databases[${j}].name`,
                    value: db.name,
                    message: "is a PostgreSQL system database",
                });
            }
            const first = claim(seen.db, db.name, i);
            if (first !== undefined) {
                problems.push({
                    key: `${at}.databases[${j}].name`,
                    value: db.name,
                    message: `is already used by tenants[${first}]; databases belong to exactly one tenant`,
                });
            }
        });
        for (const [name, value] of Object.entries(t.pooler.parameters)) {
            const key = `${at}.pooler.parameters.${name}`;
            if (!PGBOUNCER_ALLOWED_PARAMETERS.includes(name)) {
                problems.push({
                    key,
                    value,
                    message: `is not a PgBouncer parameter CloudNativePG accepts; allowed: ${PGBOUNCER_ALLOWED_PARAMETERS.join(", ")}`,
                });
            } else if (PGBOUNCER_INTEGER_PARAMETERS.has(name) && !/^[0-9]+$/.test(value)) {
                problems.push({
                    key,
                    value,
                    message: 'must be a whole number written as a string, such as "20"',
                });
            }
        }
    });
    return problems;
}

/** `postgres.recovery` against its cluster's backup: it needs one, and its source must be sound. */
export function postgresRecoveryProblems(pg: PostgresConfig): Problem[] {
    const problems: Problem[] = [];
    if (pg.backup) problems.push(...backupTransportProblems(pg.backup, "postgres.backup"));
    if (pg.recovery) {
        if (!pg.backup) {
            problems.push({
                key: "postgres.recovery",
                message:
                    "needs postgres.backup: the source defaults to its destination and the restored cluster archives there",
            });
        } else {
            problems.push(
                ...recoverySourceTransportProblems(
                    pg.recovery.source.endpointURL,
                    pg.backup.allowHttp,
                    "postgres.recovery",
                    "postgres.backup",
                ),
            );
            for (const p of recoveryProblems(pg.recovery, pg.name, pg.backup.destinationPath)) {
                problems.push({ ...p, key: `postgres.recovery.${p.key}` });
            }
        }
    }
    return problems;
}
