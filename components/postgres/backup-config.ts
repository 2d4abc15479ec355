/**
 * Config of the Barman Cloud plugin and of recovery, hooked into components/config.ts.
 *
 * - `cnpg.barmanCloudPlugin.enabled` is the one switch between the Barman Cloud CNPG-I plugin
 *   (`ObjectStore` + `Cluster.spec.plugins`, default) and CNPG's deprecated in-tree
 *   `spec.backup.barmanObjectStore`, for every database cluster of the stack.
 * - `recovery` (on `postgres` and on an application's `postgres`) bootstraps a new cluster from
 *   the object store of an existing one, to the latest WAL, a time, an LSN or a named restore point.
 *
 * Rules CloudNativePG enforces (internal/webhook/v1/cluster_webhook.go, re-read at v1.30.0:
 * validatePluginConfiguration unchanged since 1.26.1) are checked here
 * before anything reaches the cluster: recovery target options are mutually exclusive, a named
 * restore point needs a backupID and, since 1.30.0 (validateRecoveryTarget), is shorter than 64
 * bytes and free of ASCII control characters, targetTime and targetLSN must parse, a WAL-archiver plugin cannot
 * be combined with `backup.barmanObjectStore`, and the plugin needs CNPG 1.26 (`isWALArchiver`).
 */
import { z } from "zod";
import { VERSIONS } from "../versions/table";
import { dnsLabel, int, resourcesSchema, volume } from "../schema";

/** The plugin's name, as Clusters and ScheduledBackups refer to it. */
export const BARMAN_PLUGIN_NAME = "barman-cloud.cloudnative-pg.io";

export const barmanCloudPluginSchema = z.strictObject({
    /**
     * true: every cluster of this stack archives and backs up through the plugin (needs CNPG >= 1.26
     * and cert-manager); false: CNPG's in-tree barmanObjectStore (deprecated since 1.26).
     */
    enabled: z.boolean().default(true),
    chart: z
        .strictObject({
            version: z.string().min(1).default(VERSIONS.barmanCloudPlugin.pin),
            repository: z.url().default("https://cloudnative-pg.github.io/charts"),
        })
        .prefault({}),
    resources: resourcesSchema.optional(),
});

export type BarmanCloudPluginConfig = z.infer<typeof barmanCloudPluginSchema>;

/** PostgreSQL's recovery_target_time formats CNPG parses; an explicit offset is required here. */
const TARGET_TIME =
    /^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$/;
/** An LSN as PostgreSQL prints it: two hexadecimal numbers of up to 8 digits. */
const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

const s3CredentialsSchema = z.strictObject({
    item: z.string().min(1),
    accessKeyField: z.string().min(1).default("accessKey"),
    secretKeyField: z.string().min(1).default("secretKey"),
});

export const recoverySchema = z.strictObject({
    /** The new cluster's name: never the current cluster's, never the source's server name. */
    name: dnsLabel(50),
    /** Where the backups come from. Every field defaults to the cluster's own backup settings. */
    source: z
        .strictObject({
            /** The server name the backups were archived under: the old cluster's name. */
            serverName: dnsLabel(63).optional(),
            destinationPath: z
                .string()
                .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/, {
                    error: 'must be an S3 URL such as "s3://monosense-cnpg/shared-postgres"',
                })
                .optional(),
            endpointURL: z
                .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
                .optional(),
            credentials: s3CredentialsSchema.optional(),
        })
        .prefault({}),
    /** Where recovery stops; unset replays all archived WAL (latest). */
    target: z
        .strictObject({
            latest: z.literal(true).optional(),
            /** recovery_target_time with an explicit offset, e.g. "2026-11-30T14:00:00Z". */
            time: z
                .string()
                .regex(TARGET_TIME, {
                    error: 'must be a timestamp with an explicit offset, such as "2026-11-30T14:00:00Z" or "2026-11-30 15:00:00+01:00"',
                })
                .optional(),
            /** recovery_target_lsn, e.g. "0/3000060". */
            lsn: z.string().regex(LSN, { error: 'must be an LSN such as "0/3000060"' }).optional(),
            /** recovery_target_name: a restore point made with pg_create_restore_point(). */
            restorePoint: z.string().min(1).optional(),
            /** The base backup to start from (a Backup's status.backupId, e.g. "20261130T020000"). */
            backupID: z.string().min(1).optional(),
            /** Stop just before the target instead of just after it. */
            exclusive: z.boolean().optional(),
        })
        .prefault({}),
    /** Instances of the restored cluster; default the current cluster's (a drill may run one). */
    instances: int(1, 9).optional(),
    /** CPU and memory of each restored instance; default the current cluster's. */
    resources: resourcesSchema.optional(),
    /** Data volume of each restored instance (must hold the restored data); default the current cluster's. */
    storage: volume.optional(),
    /** WAL volume of each restored instance; default the current cluster's (none if it has none). */
    walStorage: volume.optional(),
    /**
     * Whether the restored cluster archives WAL and takes the daily base backup into the backup
     * bucket (under its own serverName). Default: true with cutOver (the serving cluster backs
     * up), false for a drill, which then writes nothing into the production bucket.
     */
    backups: z.boolean().optional(),
    /** The server name the new cluster archives under; default its own name. */
    serverName: dnsLabel(63).optional(),
    /**
     * false (a drill): the restored cluster runs beside the current one and nothing uses it.
     * true: the tenants' poolers, the admin endpoint and the SQL provider move to it.
     */
    cutOver: z.boolean().default(false),
});

export type RecoveryConfig = z.infer<typeof recoverySchema>;

/** Whether the restored cluster archives and backs up: asked for, or by default once it serves. */
export function recoveryBacksUp(r: RecoveryConfig): boolean {
    return r.backups ?? r.cutOver;
}

/** The target a recovery stops at, as one of four kinds. */
export function recoveryTargetKinds(target: RecoveryConfig["target"]): string[] {
    return (["latest", "time", "lsn", "restorePoint"] as const).filter(
        (k) => target[k] !== undefined,
    );
}

export interface RecoveryProblem {
    /** Key relative to the recovery block, e.g. "target" or "serverName". */
    key: string;
    value?: unknown;
    message: string;
}

/**
 * Problems of a recovery block. `current` is the name of the cluster this config already manages,
 * `defaultSourceServer` what the source's server name defaults to, `destination` the cluster's own
 * backup destination (the new cluster archives there).
 */
export function recoveryProblems(
    r: RecoveryConfig,
    current: string,
    destination: string,
): RecoveryProblem[] {
    const problems: RecoveryProblem[] = [];
    const sourceServer = r.source.serverName ?? current;
    const archiveServer = r.serverName ?? r.name;
    if (r.name === current) {
        problems.push({
            key: "name",
            value: r.name,
            message: `is the cluster this stack already manages: recovery always creates a new cluster. CloudNativePG reads bootstrap only when it creates a cluster, so on the existing "${current}" it would restore nothing, and the restored cluster would archive over the backups it came from. Choose a new name (e.g. "${current}-restore")`,
        });
    }
    if (r.name === sourceServer && r.name !== current) {
        problems.push({
            key: "name",
            value: r.name,
            message: `is the source's server name: the restored cluster would archive over the backups it came from. Choose a new name`,
        });
    }
    const sourceDestination = r.source.destinationPath ?? destination;
    if (archiveServer === sourceServer && sourceDestination === destination) {
        problems.push({
            key: "serverName",
            value: archiveServer,
            message: `is the server name the backups are read from (${sourceDestination}): the restored cluster must archive under a new server name so it never overwrites them`,
        });
    }
    if (r.cutOver && r.backups === false) {
        problems.push({
            key: "backups",
            value: false,
            message:
                "is false with cutOver: true: the restored cluster serves the tenants and would archive no WAL and take no base backup; remove backups (it defaults to true on cut-over)",
        });
    }
    const kinds = recoveryTargetKinds(r.target);
    if (kinds.length > 1) {
        problems.push({
            key: "target",
            value: r.target,
            message: `sets ${kinds.join(" and ")}: CloudNativePG's recovery target options are mutually exclusive; set one of latest, time, lsn, restorePoint`,
        });
    }
    if (r.target.restorePoint !== undefined && r.target.backupID === undefined) {
        problems.push({
            key: "target.backupID",
            message:
                "is required with restorePoint: CloudNativePG can pick the base backup itself only for time-based recovery (webhook: 'BackupID is missing'); name the last backup taken before the restore point",
        });
    }
    const restorePoint = r.target.restorePoint;
    if (restorePoint !== undefined && Buffer.byteLength(restorePoint, "utf8") >= 64) {
        problems.push({
            key: "target.restorePoint",
            value: restorePoint,
            message: `is ${Buffer.byteLength(restorePoint, "utf8")} bytes: CloudNativePG refuses a recovery target name of 64 bytes or more (webhook: 'recovery target name must be shorter than 64 bytes', PostgreSQL's MAXFNAMELEN, which pg_create_restore_point enforces too)`,
        });
    }
    // eslint-disable-next-line no-control-regex
    if (restorePoint !== undefined && /[\x00-\x1f\x7f]/.test(restorePoint)) {
        problems.push({
            key: "target.restorePoint",
            value: restorePoint,
            message:
                "contains an ASCII control character: CloudNativePG refuses it in a recovery target name (webhook: 'recovery target name must not contain ASCII control characters')",
        });
    }
    if (r.target.exclusive !== undefined && kinds.every((k) => k === "latest")) {
        problems.push({
            key: "target.exclusive",
            value: r.target.exclusive,
            message: "only applies to a time, lsn or restorePoint target",
        });
    }
    return problems;
}
