/**
 * Pure builders of the Barman Cloud wiring of a CNPG cluster, for both paths:
 *
 * - plugin (Barman Cloud CNPG-I plugin v0.13.0): an `ObjectStore` (barmancloud.cnpg.io/v1) per
 *   destination, `Cluster.spec.plugins` naming it as WAL archiver, ScheduledBackups with
 *   `method: plugin`, and recovery from an `externalClusters[].plugin` source;
 * - in-tree (deprecated since CNPG 1.26, still in 1.30.0): `spec.backup.barmanObjectStore`, `method:
 *   barmanObjectStore`, and recovery from an `externalClusters[].barmanObjectStore` source.
 *
 * Field names follow cnpg-v1.30.0 (as v1.26.1) postgresql.cnpg.io_clusters.yaml / _scheduledbackups.yaml and
 * plugin-barman-cloud v0.13.0 barmancloud.cnpg.io_objectstores.yaml; the plugin's parameters
 * (`barmanObjectName`, `serverName`) follow its web/docs/usage.md and parameters.md.
 */
import type { BackupConfig } from "./config";
import { BARMAN_PLUGIN_NAME, type RecoveryConfig } from "./backup-config";
import type { EndpointCA } from "./backup-transport";

export const OBJECT_STORE_API_VERSION = "barmancloud.cnpg.io/v1";

/** Keys of the S3 credentials Secret a Barman configuration points at. */
export const BACKUP_SECRET_KEYS = { accessKey: "ACCESS_KEY_ID", secretKey: "ACCESS_SECRET_KEY" };

/**
 * Environment for whatever runs barman-cloud. Recent boto3 (in the Barman Cloud tools of current
 * images and of the plugin's sidecar) sends CRC checksums that MinIO and other S3-compatible
 * stores reject; "when_required" restores the old behaviour (cloudnative-pg/cloudnative-pg#7715,
 * plugin-barman-cloud#398).
 */
export const S3_CHECKSUM_ENV = [
    { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
    { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
];

/** A place backups go to or come from. */
export interface BarmanDestination {
    destinationPath: string;
    endpointURL: string;
    /** The Secret with BACKUP_SECRET_KEYS, in the cluster's namespace. */
    credentialsSecret: string;
    walCompression: BackupConfig["walCompression"];
    dataCompression: BackupConfig["dataCompression"];
    encryption?: BackupConfig["encryption"];
    /** The CA bundle of an https endpoint with a private CA (./backup-transport.ts). */
    endpointCA?: EndpointCA;
}

/** The Barman object store configuration both paths share (in-tree `barmanObjectStore`, `ObjectStore.spec.configuration`). */
export function barmanConfiguration(d: BarmanDestination): Record<string, unknown> {
    // Without `encryption` Barman sends no SSE header and the bucket's policy decides.
    const encryption = d.encryption ? { encryption: d.encryption } : {};
    return {
        destinationPath: d.destinationPath,
        endpointURL: d.endpointURL,
        ...(d.endpointCA
            ? { endpointCA: { name: d.endpointCA.secret, key: d.endpointCA.key } }
            : {}),
        s3Credentials: {
            accessKeyId: { name: d.credentialsSecret, key: BACKUP_SECRET_KEYS.accessKey },
            secretAccessKey: { name: d.credentialsSecret, key: BACKUP_SECRET_KEYS.secretKey },
        },
        wal: { compression: d.walCompression, ...encryption, maxParallel: 4 },
        data: { compression: d.dataCompression, ...encryption, jobs: 2 },
    };
}

/**
 * An `ObjectStore` spec. `serverName` stays out of the configuration (the plugin's docs: "must
 * always be left empty"; the Cluster passes it as a plugin parameter). Retention belongs here in
 * the plugin's world (CNPG's `backup.retentionPolicy` only drives the in-tree path); a store only
 * read from (a recovery source) gets none.
 */
export function buildObjectStoreSpec(
    d: BarmanDestination,
    retentionPolicy: string | undefined,
): Record<string, unknown> {
    return {
        configuration: barmanConfiguration(d),
        ...(retentionPolicy ? { retentionPolicy } : {}),
        instanceSidecarConfiguration: { env: S3_CHECKSUM_ENV },
    };
}

/** `Cluster.spec.plugins`: the Barman Cloud plugin as the (only) WAL archiver. */
export function pluginArchiver(
    objectStore: string,
    serverName?: string,
): Record<string, unknown>[] {
    return [
        {
            name: BARMAN_PLUGIN_NAME,
            isWALArchiver: true,
            parameters: {
                barmanObjectName: objectStore,
                ...(serverName ? { serverName } : {}),
            },
        },
    ];
}

/** In-tree `spec.backup`; the pods also need S3_CHECKSUM_ENV in `spec.env`. */
export function inTreeBackup(
    d: BarmanDestination,
    b: Pick<BackupConfig, "retentionPolicy" | "target">,
    serverName?: string,
): Record<string, unknown> {
    return {
        retentionPolicy: b.retentionPolicy,
        target: b.target,
        barmanObjectStore: {
            ...barmanConfiguration(d),
            ...(serverName ? { serverName } : {}),
        },
    };
}

/** What a ScheduledBackup needs to name the backup method. */
export function backupMethod(plugin: boolean): Record<string, unknown> {
    return plugin
        ? { method: "plugin", pluginConfiguration: { name: BARMAN_PLUGIN_NAME } }
        : { method: "barmanObjectStore" };
}

/** The name of the external cluster a recovery reads from. */
export const RECOVERY_SOURCE = "origin";

/** `externalClusters[]` entry of the recovery source. */
export function recoverySourceCluster(
    plugin: boolean,
    source: { objectStore: string; serverName: string; destination: BarmanDestination },
): Record<string, unknown> {
    return plugin
        ? {
              name: RECOVERY_SOURCE,
              plugin: {
                  name: BARMAN_PLUGIN_NAME,
                  parameters: {
                      barmanObjectName: source.objectStore,
                      serverName: source.serverName,
                  },
              },
          }
        : {
              name: RECOVERY_SOURCE,
              barmanObjectStore: {
                  ...barmanConfiguration(source.destination),
                  serverName: source.serverName,
              },
          };
}

/** `bootstrap.recovery.recoveryTarget`, or undefined for "replay everything" (latest). */
export function recoveryTarget(
    target: RecoveryConfig["target"],
): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    if (target.time !== undefined) out.targetTime = target.time;
    if (target.lsn !== undefined) out.targetLSN = target.lsn;
    if (target.restorePoint !== undefined) out.targetName = target.restorePoint;
    if (target.backupID !== undefined) out.backupID = target.backupID;
    if (target.exclusive !== undefined) out.exclusive = target.exclusive;
    return Object.keys(out).length > 0 ? out : undefined;
}

/** `bootstrap.recovery` from the RECOVERY_SOURCE external cluster, plus optional initdb-like owner fields. */
export function recoveryBootstrap(
    target: RecoveryConfig["target"],
    extra: Record<string, unknown> = {},
): Record<string, unknown> {
    const t = recoveryTarget(target);
    return { recovery: { source: RECOVERY_SOURCE, ...extra, ...(t ? { recoveryTarget: t } : {}) } };
}
