/**
 * The one typed, validated model of everything under the `platform:` config namespace.
 *
 * `parseConfig(raw)` takes the flat map Pulumi hands a program (`platform:<key>` → string, objects
 * as JSON) and returns a `PlatformConfig`, or throws a `ConfigError` that lists every bad value
 * as `platform:<key path>: <value> — <what is allowed>`. Nothing registers a resource before this
 * has succeeded. Cross-field rules (connection budget, cron, names) live in `validate*` functions
 * below and report in the same format.
 */
import { z } from "zod";
import {
    cidr,
    dnsLabel,
    EVERY_ADDRESS,
    expectedText,
    int,
    issueText,
    quantity,
    resourcesSchema,
} from "./schema";
import { connectionBudgetProblems } from "./postgres/budget";
import { cronProblem } from "./postgres/cron";
import { dragonflyProblems, dragonflySchema } from "./dragonfly/config";
import { harborProblems, harborSchema } from "./harbor/config";
import { harborConnectionProblems } from "./harbor/budget";
import { harborProjectsSchema, harborProjectsProblems } from "./harbor/projects";
import { takeoverProblems, takeoverSchema } from "./takeover/config";
import { monitoringSchema } from "./monitoring/config";
import { networkProblems, networkSchema, tenantClientsSchema } from "./network/config";
import {
    barmanCloudPluginSchema,
    recoveryProblems,
    recoverySchema,
} from "./postgres/backup-config";
import { adminAccessProblems, adminTlsProblems, tenantTlsProblems } from "./postgres/access-config";
import { podSecuritySchema, pullSecretSchema } from "./apps/app-config";

export const NAMESPACE = "platform";

/** The tenant whose database, role and pooler Harbor uses. */
export const HARBOR_TENANT = "harbor";

/** A config problem: the key path (without the namespace), the offending value, what is allowed. */
export interface Problem {
    key: string;
    value?: unknown;
    message: string;
}

/** Keys whose values are never printed in an error. */
const SECRET_KEYS = new Set(["kubeconfig"]);

export class ConfigError extends Error {
    constructor(public readonly problems: Problem[]) {
        super(
            `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

export function formatProblem(p: Problem): string {
    const top = p.key.split(/[.[]/)[0] ?? p.key;
    const shown =
        p.value === undefined
            ? ""
            : SECRET_KEYS.has(top)
              ? " = [secret]"
              : ` = ${truncate(JSON.stringify(p.value))}`;
    // A key with its namespace (a foreign or misspelt one) is printed as given.
    return `${p.key.includes(":") ? p.key : `${NAMESPACE}:${p.key}`}${shown}: ${p.message}`;
}

function truncate(s: string): string {
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

const PG_IDENT = /^[a-z_][a-z0-9_]*$/;

const pgIdent = z.string().max(63, { error: "must be at most 63 characters" }).regex(PG_IDENT, {
    error: "must be a lowercase PostgreSQL identifier: letters, digits and '_', not starting with a digit",
});

const stringMap = z.record(
    z.string(),
    z.string({ error: 'must be a string (quote numbers in YAML: "25")' }),
);

// Resource requirements live in ./schema so that section modules can import them without a cycle.
export { resourcesSchema, type Resources } from "./schema";

const volume = z.strictObject({
    size: quantity,
    storageClass: z.string().min(1).optional(),
});

// ---------------------------------------------------------------------------------------------
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
const RESERVED_PG_PARAMETERS: Record<string, string> = {
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
function reservedRoleReason(role: string): string | undefined {
    if (["postgres", "streaming_replica", "public"].includes(role)) return "is reserved";
    if (role.startsWith("cnpg_")) return "starts with cnpg_, which CloudNativePG reserves";
    if (role.startsWith("pg_")) return "starts with pg_, which PostgreSQL reserves";
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// Sections

const kubernetesSchema = z.strictObject({
    /** kubeconfig context to use; the kubeconfig itself comes from `platform:kubeconfig` (secret) or KUBECONFIG. */
    context: z.string().min(1).optional(),
    /**
     * The Kubernetes provider's `clusterIdentifier` (see ./providers): the provider, and so every
     * object under it, is replaced only when this changes. Default: the stack's cluster (its role).
     */
    clusterIdentifier: z.string().min(1).optional(),
});

const onepasswordSchema = z.strictObject({
    vault: z.string().min(1).default("Infra"),
    /** Prefix of the item titles this stack writes and reads, e.g. `kubernetes/infra`. */
    itemPrefix: z
        .string()
        .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
            error: 'must be a slash-separated path such as "kubernetes/infra"',
        })
        .default("kubernetes/infra"),
});

const cnpgSchema = z.strictObject({
    namespace: dnsLabel().default("cnpg-system"),
    chart: z
        .strictObject({
            version: z.string().min(1).default("0.25.0"),
            repository: z.url().default("https://cloudnative-pg.github.io/charts"),
        })
        .prefault({}),
    replicas: int(1, 5).default(1),
    resources: resourcesSchema.prefault({
        requests: { cpu: "100m", memory: "256Mi" },
        limits: { cpu: "200m", memory: "256Mi" },
    }),
    monitoring: z
        .strictObject({
            podMonitor: z.boolean().default(false),
            grafanaDashboard: z.boolean().default(false),
        })
        .prefault({}),
    /** The Barman Cloud plugin, in the operator's namespace; `enabled` switches every cluster of the stack. */
    barmanCloudPlugin: barmanCloudPluginSchema.prefault({}),
});

const backupSchema = z.strictObject({
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
    /** 1Password item (title relative to onepassword.itemPrefix) holding the MinIO credentials. */
    credentials: z
        .strictObject({
            item: z.string().min(1).default("cloudnative-pg/minio"),
            accessKeyField: z.string().min(1).default("accessKey"),
            secretKeyField: z.string().min(1).default("secretKey"),
        })
        .prefault({}),
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

const postgresSchema = z.strictObject({
    name: dnsLabel(50).default("shared-postgres"),
    namespace: dnsLabel().default("cnpg-system"),
    instances: int(1, 9).default(3),
    imageName: z
        .string()
        .regex(/^[^\s:]+(:[0-9][^\s]*)?(@sha256:[a-f0-9]{64})?$/, {
            error: 'must be an image reference with a version tag, such as "ghcr.io/cloudnative-pg/postgresql:16.8"',
        })
        .refine((s) => /:[0-9]/.test(s), {
            error: 'needs an explicit PostgreSQL version tag (e.g. ":16.8"): CloudNativePG 1.26 defaults to PostgreSQL 17',
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
    /** Restore the cluster's backups into a new cluster (see README "Restoring"). */
    recovery: recoverySchema.optional(),
    /** How long Pulumi waits for the Cluster to report Ready. */
    readyTimeoutSeconds: int(60, 7200).default(1800),
});

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

const tenantSchema = z.strictObject({
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

// ---------------------------------------------------------------------------------------------
// Apps stack: consumers of the infra platform

/** A co-located cluster's image: CloudNativePG "system" images carry Barman Cloud; PG16 is pinned. */
const pg16Image = z.string().regex(/^[^\s:@]+:16(\.[0-9]+)*(-[^\s@]+)?(@sha256:[a-f0-9]{64})?$/, {
    error: 'must be a PostgreSQL 16 image with its tag, such as "ghcr.io/cloudnative-pg/postgresql:16.8" (CloudNativePG 1.26 defaults to PostgreSQL 17)',
});

/** Backups of a co-located cluster: the shared cluster's block, the destination defaulting per app. */
const appBackupSchema = backupSchema.extend({
    /** Default `s3://postgres-backups/<application name>`. */
    destinationPath: backupSchema.shape.destinationPath.optional(),
    /**
     * The cluster's own MinIO credentials (never the infra cluster's): item default
     * `cloudnative-pg/<application name>-backup` under this stack's itemPrefix.
     */
    credentials: z
        .strictObject({
            item: z.string().min(1).optional(),
            accessKeyField: z.string().min(1).default("accessKey"),
            secretKeyField: z.string().min(1).default("secretKey"),
        })
        .prefault({}),
});

const colocatedPostgresSchema = z.strictObject({
    instances: int(1, 9).default(1),
    imageName: pg16Image.default("ghcr.io/cloudnative-pg/postgresql:16.8"),
    storage: volume.default({ size: "20Gi" }),
    resources: resourcesSchema.prefault({
        requests: { cpu: "250m", memory: "512Mi" },
        limits: { cpu: "500m", memory: "512Mi" },
    }),
    /** Merged over the tuned defaults (components/apps/spec.ts COLOCATED_DEFAULT_PARAMETERS). */
    parameters: stringMap.default({}),
    sharedPreloadLibraries: z.array(z.string().min(1)).default([]),
    /** Database and owning role created by `bootstrap.initdb`; default: the application name with '-' → '_'. */
    database: pgIdent.optional(),
    owner: pgIdent.optional(),
    backup: appBackupSchema.optional(),
    /** Restore the cluster's backups into a new cluster in the same namespace. */
    recovery: recoverySchema.optional(),
    readyTimeoutSeconds: int(60, 7200).default(1800),
    /** CNPG's PodDisruptionBudgets; default: only with more than one instance (apps/spec.ts). */
    enablePDB: z.boolean().optional(),
});

const harborProjectName = z
    .string()
    .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, {
        error: "must be a Harbor project name: lowercase letters, digits and '.', '_' or '-' between them",
    })
    .max(255, { error: "must be at most 255 characters" });

const applicationSchema = z.strictObject({
    /** Names the namespace (by default), the `<name>-database` Secret and the `<name>-postgres` Cluster. */
    name: dnsLabel(40),
    namespace: dnsLabel().optional(),
    podSecurity: podSecuritySchema,
    /** Harbor project whose robot account (1Password item `harbor-robot-<project>`) pulls images. */
    harborProject: harborProjectName.optional(),
    /** The pull secret's name and the ServiceAccounts that carry it (components/apps/app-config.ts). */
    pullSecret: pullSecretSchema,
    /** A tenant of the infra stack's shared cluster, reached through its global pooler Service. */
    tenant: dnsLabel(56).optional(),
    /** One of the tenant's databases; default its first. */
    database: pgIdent.optional(),
    /** A co-located CloudNativePG cluster in the application's namespace. */
    postgres: colocatedPostgresSchema.optional(),
});

export const configSchema = z.strictObject({
    role: z.enum(["infra", "apps"]),
    kubeconfig: z.string().optional(),
    kubernetes: kubernetesSchema.prefault({}),
    onepassword: onepasswordSchema.prefault({}),
    cnpg: cnpgSchema.prefault({}),
    postgres: postgresSchema.optional(),
    tenants: z.array(tenantSchema).default([]),
    // unwrap(): without the section's own prefault, an absent key stays absent (no Dragonfly).
    dragonfly: dragonflySchema.unwrap().optional(),
    harbor: harborSchema.optional(),
    /** Harbor projects, robot accounts and GC schedule, applied through Harbor's API. */
    harborProjects: harborProjectsSchema.optional(),
    /** Apps: the infra stack to read through a StackReference, e.g. "organization/platform/infra". */
    infraStack: z
        .string()
        .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+){0,2}$/, {
            error: 'must be a stack name such as "organization/platform/infra"',
        })
        .optional(),
    /** Apps: Harbor's hostname when the infra stack does not export `harbor.hostname`. */
    harborHostname: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+(:[0-9]{1,5})?$/, {
            error: 'must be a hostname such as "harbor.monosense.io"',
        })
        .default("harbor.monosense.io"),
    /** Apps: tenant names the infra stack is expected to have, checked before anything runs. */
    knownTenants: z.array(dnsLabel(56)).optional(),
    applications: z.array(applicationSchema).default([]),
    /** What exists and is taken over instead of created (see components/takeover). */
    takeover: takeoverSchema.optional(),
    /** Alerts (PrometheusRule) from the platform's own numbers. */
    monitoring: monitoringSchema.prefault({}),
    /** Cilium network policies of the infra cluster. */
    network: networkSchema.prefault({}),
});

export type PlatformConfig = z.infer<typeof configSchema>;
export type PostgresConfig = z.infer<typeof postgresSchema>;
export type BackupConfig = z.infer<typeof backupSchema>;
export type TenantConfig = z.infer<typeof tenantSchema>;
export type PoolerConfig = z.infer<typeof poolerSchema>;
export type CnpgConfig = z.infer<typeof cnpgSchema>;
export type OnePasswordConfig = z.infer<typeof onepasswordSchema>;
export type ApplicationConfig = z.infer<typeof applicationSchema>;
export type ColocatedPostgresConfig = z.infer<typeof colocatedPostgresSchema>;

/** The top-level keys this project reads; `Pulumi.yaml` declares exactly these. */
export const CONFIG_KEYS: readonly string[] = Object.keys(configSchema.shape);

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Optional sections. Pulumi refuses to run a stack that lacks a key its project declares without
 * a default, so Pulumi.yaml gives each of these an empty default ("", {} or []), and an empty
 * value here means the section is not configured.
 */
export const OPTIONAL_KEYS: readonly string[] = [
    "kubeconfig",
    "postgres",
    "dragonfly",
    "harbor",
    "harborProjects",
    "infraStack",
    "knownTenants",
    "takeover",
];

function isEmpty(value: unknown): boolean {
    if (value === "") return true;
    if (Array.isArray(value)) return value.length === 0;
    return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}

/** Turns Pulumi's flat config map into the object the schema parses. */
export function rawToObject(raw: Record<string, string>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
        const key = fullKey.slice(NAMESPACE.length + 1);
        // A kubeconfig may be JSON; it is passed on as the text it is.
        const decoded = key === "kubeconfig" ? value : decodeValue(value);
        if (OPTIONAL_KEYS.includes(key) && isEmpty(decoded)) continue;
        out[key] = decoded;
    }
    return out;
}

function decodeValue(value: string): unknown {
    const trimmed = value.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(trimmed) as unknown;
        } catch {
            return value;
        }
    }
    return value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let cur: unknown = root;
    for (const seg of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[seg];
    }
    return cur;
}

export function pathToKey(path: readonly PropertyKey[]): string {
    let key = "";
    for (const seg of path) {
        if (typeof seg === "number") key += `[${seg}]`;
        else key += key === "" ? String(seg) : `.${String(seg)}`;
    }
    return key;
}

function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
    switch (issue.code) {
        case "invalid_type":
            if (value === undefined) return "is required";
            return issue.message.startsWith("Invalid input")
                ? `must be ${expectedText(issue.expected, value) ?? article(issue.expected)}`
                : issue.message;
        case "invalid_value":
            if (value === undefined) {
                return `is required: one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
            }
            return `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "unrecognized_keys":
            return `unknown setting${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} (check the spelling against Pulumi.yaml)`;
        default:
            return issueText(issue);
    }
}

function article(type: string): string {
    return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Parses and validates the raw config map. Throws ConfigError listing every problem. */
export function parseConfig(raw: Record<string, string>): PlatformConfig {
    const input = rawToObject(raw);
    const result = configSchema.safeParse(input);
    if (!result.success) {
        const problems = result.error.issues.map((issue) => {
            const value =
                issue.code === "unrecognized_keys" ? undefined : valueAt(input, issue.path);
            return {
                key: pathToKey(issue.path) || "(root)",
                value,
                message: issueMessage(issue, value),
            };
        });
        throw new ConfigError(problems);
    }
    const problems = validate(result.data);
    if (problems.length > 0) throw new ConfigError(problems);
    return result.data;
}

// ---------------------------------------------------------------------------------------------
// Cross-field rules

export function validate(cfg: PlatformConfig): Problem[] {
    const problems: Problem[] = [];
    if (cfg.role === "infra" && !cfg.postgres) {
        problems.push({ key: "postgres", message: 'is required when role is "infra"' });
    }
    if (cfg.postgres) problems.push(...validatePostgres(cfg.postgres));
    if (cfg.tenants.length > 0 && !cfg.postgres) {
        problems.push({
            key: "tenants",
            message: "need platform:postgres (the cluster they live in)",
        });
    }
    problems.push(...validateTenants(cfg.tenants, cfg.postgres));
    if (cfg.postgres) problems.push(...adminAccessProblems(cfg.postgres));
    if (cfg.postgres) problems.push(...adminTlsProblems(cfg.postgres));
    problems.push(...tenantTlsProblems(cfg.tenants));
    problems.push(...validateApps(cfg));
    problems.push(...validateBackups(cfg));
    if (cfg.dragonfly) problems.push(...dragonflyProblems(cfg.dragonfly));
    if (cfg.takeover) problems.push(...takeoverProblems(cfg.takeover));
    problems.push(...networkProblems(cfg));
    if (cfg.harbor) {
        problems.push(...harborProblems(cfg.harbor));
        const index = cfg.tenants.findIndex((t) => t.name === HARBOR_TENANT);
        const tenant = cfg.tenants[index];
        if (!tenant) {
            problems.push({
                key: "tenants",
                message: `need a tenant named "${HARBOR_TENANT}" when platform:harbor is set (Harbor's database, role and pooler)`,
            });
        }
        if (!cfg.dragonfly) {
            problems.push({
                key: "dragonfly",
                message: "is required when platform:harbor is set (Harbor's Redis)",
            });
        }
    }
    if (cfg.harborProjects) {
        if (!cfg.harbor) {
            problems.push({
                key: "harborProjects",
                message: "need platform:harbor (the registry they live in)",
            });
        }
        problems.push(...harborProjectsProblems(cfg.harborProjects));
    }
    // Budgets last, each only on a config that is otherwise sound: the cluster and tenants first,
    // then Harbor's pools against its tenant's pooler.
    if (cfg.postgres && problems.length === 0) {
        problems.push(...connectionBudgetProblems(cfg.postgres, cfg.tenants));
    }
    const harborIndex = cfg.tenants.findIndex((t) => t.name === HARBOR_TENANT);
    const harborTenant = cfg.tenants[harborIndex];
    if (cfg.harbor && harborTenant && problems.length === 0) {
        problems.push(...harborConnectionProblems(cfg.harbor, harborTenant, harborIndex));
    }
    return problems;
}

function validatePostgres(pg: PostgresConfig): Problem[] {
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

/** Index of the entry that already uses `value`, or undefined after recording entry `index` as its user. */
function claim(seen: Map<string, number>, value: string, index: number): number | undefined {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    return first;
}

function validateTenants(tenants: TenantConfig[], pg: PostgresConfig | undefined): Problem[] {
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

/** The namespace an application lives in: its own name unless set. */
export function appNamespace(app: ApplicationConfig): string {
    return app.namespace ?? app.name;
}

/** PostgreSQL parameters a co-located cluster may not set, and where to go instead. */
const RESERVED_APP_PG_PARAMETERS: Record<string, string> = {
    ...Object.fromEntries(
        Object.entries(RESERVED_PG_PARAMETERS).filter(([k]) => k !== "max_connections"),
    ),
    shared_preload_libraries:
        'is managed by CloudNativePG: set postgres.sharedPreloadLibraries, or a "pg_stat_statements.*" parameter (CloudNativePG then preloads and creates pg_stat_statements itself)',
};

function validateApps(cfg: PlatformConfig): Problem[] {
    const problems: Problem[] = [];
    if (cfg.role === "apps" && !cfg.infraStack) {
        problems.push({
            key: "infraStack",
            message:
                'is required when role is "apps": the infra stack to read through a StackReference, such as "organization/platform/infra"',
        });
    }
    if (cfg.role !== "apps" && cfg.applications.length > 0) {
        problems.push({ key: "applications", message: 'are only built when role is "apps"' });
    }
    const seen = { name: new Map<string, number>(), namespace: new Map<string, number>() };
    cfg.applications.forEach((app, i) => {
        const at = `applications[${i}]`;
        const ns = appNamespace(app);
        for (const [kind, value] of [
            ["name", app.name],
            ["namespace", ns],
        ] as const) {
            const first = claim(seen[kind], value, i);
            if (first !== undefined) {
                problems.push({
                    key: `${at}.${kind}`,
                    value,
                    message: `is already used by applications[${first}]; each application needs its own ${kind}`,
                });
            }
        }
        if (ns === cfg.cnpg.namespace || ["kube-system", "kube-public", "default"].includes(ns)) {
            problems.push({
                key: `${at}.namespace`,
                value: ns,
                message: "is a system or operator namespace; give the application its own",
            });
        }
        if (app.tenant && app.postgres) {
            problems.push({
                key: `${at}.postgres`,
                message: `cannot be combined with tenant "${app.tenant}": an application uses either a shared tenant or a co-located cluster`,
            });
        }
        if (app.database && !app.tenant) {
            problems.push({
                key: `${at}.database`,
                value: app.database,
                message:
                    "needs tenant (it names one of the tenant's databases); a co-located cluster's database is postgres.database",
            });
        }
        if (app.tenant && cfg.knownTenants && !cfg.knownTenants.includes(app.tenant)) {
            problems.push({
                key: `${at}.tenant`,
                value: app.tenant,
                message: `is not a tenant of the infra stack; known tenants (platform:knownTenants): ${cfg.knownTenants.join(", ") || "none"}`,
            });
        }
        const pg = app.postgres;
        if (!pg) return;
        for (const [name, value] of Object.entries(pg.parameters)) {
            const reason = RESERVED_APP_PG_PARAMETERS[name];
            if (reason) {
                problems.push({ key: `${at}.postgres.parameters.${name}`, value, message: reason });
            }
        }
        if (pg.owner && reservedRoleReason(pg.owner)) {
            problems.push({
                key: `${at}.postgres.owner`,
                value: pg.owner,
                message: reservedRoleReason(pg.owner) ?? "",
            });
        }
        if (pg.database && ["postgres", "template0", "template1"].includes(pg.database)) {
            problems.push({
                key: `${at}.postgres.database`,
                value: pg.database,
                message: "is a PostgreSQL system database",
            });
        }
        if (pg.backup) {
            const cronError = cronProblem(pg.backup.schedule);
            if (cronError) {
                problems.push({
                    key: `${at}.postgres.backup.schedule`,
                    value: pg.backup.schedule,
                    message: cronError,
                });
            }
        }
    });
    return problems;
}

/** The 1Password item (relative title) of a co-located cluster's own backup credentials. */
export function colocatedBackupItem(app: ApplicationConfig): string {
    return app.postgres?.backup?.credentials.item ?? `cloudnative-pg/${app.name}-backup`;
}

/** The item the infra stack's shared cluster reads its MinIO credentials from (its default title). */
const INFRA_BACKUP_ITEM = "cloudnative-pg/minio";

/** Backup and recovery rules across sections: the plugin switch, recovery blocks, per-cluster credentials. */
function validateBackups(cfg: PlatformConfig): Problem[] {
    const problems: Problem[] = [];
    const plugin = cfg.cnpg.barmanCloudPlugin;
    const [major, minor] = cfg.cnpg.chart.version.split(".").map(Number);
    if (plugin.enabled && major === 0 && minor !== undefined && minor < 24) {
        problems.push({
            key: "cnpg.barmanCloudPlugin.enabled",
            value: true,
            message: `needs CloudNativePG 1.26 or later (chart cloudnative-pg 0.24.0+; cnpg.chart.version is ${cfg.cnpg.chart.version}): older operators have no spec.plugins[].isWALArchiver. Upgrade the operator or set enabled: false for the in-tree barmanObjectStore`,
        });
    }
    const pg = cfg.postgres;
    if (pg?.recovery) {
        if (!pg.backup) {
            problems.push({
                key: "postgres.recovery",
                message:
                    "needs postgres.backup: the source defaults to its destination and the restored cluster archives there",
            });
        } else {
            for (const p of recoveryProblems(pg.recovery, pg.name, pg.backup.destinationPath)) {
                problems.push({ ...p, key: `postgres.recovery.${p.key}` });
            }
        }
    }
    const items = new Map<string, number>();
    cfg.applications.forEach((app, i) => {
        const at = `applications[${i}].postgres`;
        const apg = app.postgres;
        if (!apg) return;
        if (apg.recovery) {
            if (!apg.backup) {
                problems.push({
                    key: `${at}.recovery`,
                    message:
                        "needs postgres.backup: the source defaults to its destination and the restored cluster archives there",
                });
            } else {
                const destination =
                    apg.backup.destinationPath ?? `s3://postgres-backups/${app.name}`;
                for (const p of recoveryProblems(
                    apg.recovery,
                    `${app.name}-postgres`,
                    destination,
                )) {
                    problems.push({ ...p, key: `${at}.recovery.${p.key}` });
                }
            }
        }
        if (!apg.backup) return;
        const item = colocatedBackupItem(app);
        const title = itemTitle(cfg.onepassword, item);
        if (title === INFRA_BACKUP_ITEM || title.endsWith(`/${INFRA_BACKUP_ITEM}`)) {
            problems.push({
                key: `${at}.backup.credentials.item`,
                value: item,
                message: `is the infra cluster's backup credentials (${INFRA_BACKUP_ITEM}), which can read and delete every shared backup: give the cluster its own MinIO user limited to its prefix (README "Backup credentials of co-located clusters") and its own item, e.g. "cloudnative-pg/${app.name}-backup"`,
            });
        }
        const first = claim(items, title, i);
        if (first !== undefined) {
            problems.push({
                key: `${at}.backup.credentials.item`,
                value: item,
                message: `is already used by applications[${first}]: each co-located cluster needs its own credentials, limited to its own prefix`,
            });
        }
    });
    return problems;
}

/** The item prefix of the production infra stack (the seed's): see itemTitle. */
export const SEED_ITEM_PREFIX = "kubernetes/infra";

/**
 * The one naming rule for the titles of 1Password items this program writes (and of its own
 * items it reads back):
 * - `"/x"` is absolute: `x` (an item outside this stack's prefix, e.g. the infra stack's MinIO
 *   item read by the apps stack);
 * - `atRoot` names are those the seed kept at the vault root (`harbor-core`, `harbor-registry`,
 *   `harbor-robot-<project>`): the name itself on the stack whose prefix is the seed's
 *   `kubernetes/infra`, so production keeps the seed titles, and `<itemPrefix>/<name>` on any
 *   other, so a second stack (e.g. prefix `kubernetes/infra-staging`) never writes production's;
 * - any other name: `<itemPrefix>/<name>`.
 */
export function itemTitle(op: OnePasswordConfig, name: string, atRoot = false): string {
    if (name.startsWith("/")) return name.slice(1);
    if (atRoot && op.itemPrefix === SEED_ITEM_PREFIX) return name;
    return `${op.itemPrefix}/${name}`;
}
