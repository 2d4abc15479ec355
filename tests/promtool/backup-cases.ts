/**
 * promtool cases of the backup alerts (tests/promtool/cases.ts has the others; the same runner,
 * scripts/test-rules.ts). Suite `infra` is the committed config: the shared cluster backs up
 * through the Barman Cloud plugin, so the times come from the backup-metrics exporter
 * (kube-state-metrics v2.19.1 custom resource state, `kube_customresource_<name>` with the
 * labels of components/monitoring/exporter.ts) or from the plugin's own gauges once CNPG ≥ 1.27
 * collects them (plugin-barman-cloud v0.13.0 internal/cnpgi/instance/metrics.go: every instance
 * reports them, 0 without a recovery window). CNPG's collector gauge (1.30.0 as 1.26.1) stays 0 for plugin
 * backups and must not matter. Suite `infra-in-tree` is the same config with
 * cnpg.barmanCloudPlugin.enabled false: the collector gauges (pg_collector.go).
 * Daily at 02:00 ("0 0 2 * * *") + 180 min grace = 97200 s; the evaluation starts at Unix 0.
 */
import type { AlertCase, Series } from "./types";

const NS = 'namespace="cnpg-system"';
const pod = (n: number) => `pod="shared-postgres-${n}"`;
const s = (series: string, values: string): Series => ({ series, values });

/** What kube-state-metrics adds to every series of a custom resource (config.go). */
const GVK = (kind: string, group: string) =>
    `customresource_group="${group}", customresource_kind="${kind}", customresource_version="v1", job="platform-backup-metrics"`;
const STORE = `${NS}, objectstore="shared-postgres-backups", ${GVK("ObjectStore", "barmancloud.cnpg.io")}`;
const window = (field: string, server: string, values: string) =>
    s(`kube_customresource_barmancloud_objectstore_${field}{${STORE}, server="${server}"}`, values);
const created = (values: string) =>
    s(`kube_customresource_barmancloud_objectstore_created{${STORE}}`, values);
const condition = (reason: string, values: string) =>
    s(
        `kube_customresource_cnpg_cluster_condition{${NS}, cnpg_cluster="shared-postgres", type="LastBackupSucceeded", reason="${reason}", ${GVK("Cluster", "postgresql.cnpg.io")}}`,
        values,
    );
const plugin = (metric: string, n: number, values: string) =>
    s(`barman_cloud_cloudnative_pg_io_${metric}{${NS}, ${pod(n)}}`, values);
const collector = (metric: string, n: number, values: string) =>
    s(`cnpg_collector_${metric}{${NS}, ${pod(n)}}`, values);

const CRITICAL = { severity: "critical", namespace: "cnpg-system" };

export const BACKUP_CASES: AlertCase[] = [
    // PostgresBackupTooOld on the plugin.
    {
        name: "ObjectStore: last backup at 1970-01-01T00:00:01, 28 h later, fires",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [
            created("1x1700"),
            window("last_successful_backup_time", "shared-postgres", "1x1700"),
        ],
        expect: [CRITICAL],
    },
    {
        name: "ObjectStore: a backup at 24 h stays silent at 28 h (collector's 0 does not matter)",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [
            created("1x1700"),
            window("last_successful_backup_time", "shared-postgres", "1x1439 86400x300"),
            collector("last_available_backup_timestamp", 1, "0x1700"),
        ],
        expect: [],
    },
    {
        name: "ObjectStore: older than 97200 s for 10 minutes fires (1621 m + 10 m)",
        alert: "PostgresBackupTooOld",
        evalTime: "1631m",
        series: [
            created("1x1700"),
            window("last_successful_backup_time", "shared-postgres", "1x1700"),
        ],
        expect: [CRITICAL],
    },
    {
        name: "ObjectStore: older than 97200 s for 9 minutes stays silent",
        alert: "PostgresBackupTooOld",
        evalTime: "1630m",
        series: [
            created("1x1700"),
            window("last_successful_backup_time", "shared-postgres", "1x1700"),
        ],
        expect: [],
    },
    {
        name: "a restored cluster's fresh backup (another server) does not hide the old one",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [
            created("1x1700"),
            window("last_successful_backup_time", "shared-postgres", "1x1700"),
            window("last_successful_backup_time", "shared-postgres-restore", "90000x1700"),
        ],
        expect: [CRITICAL],
    },
    {
        name: "no successful backup 28 h after the ObjectStore appeared fires",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [created("1x1700"), collector("last_available_backup_timestamp", 1, "0x1700")],
        expect: [CRITICAL],
    },
    {
        name: "a Cluster created 4 h ago (a restore) beside an older ObjectStore, no backup yet, stays silent",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [
            created("1x1700"),
            s(
                `kube_customresource_cnpg_cluster_created{${NS}, cnpg_cluster="shared-postgres", ${GVK("Cluster", "postgresql.cnpg.io")}}`,
                "86400x1700",
            ),
        ],
        expect: [],
    },
    {
        name: "no backup yet 4 h after the ObjectStore appeared stays silent",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [created("86400x1700")],
        expect: [],
    },
    {
        name: "CNPG ≥ 1.27, no exporter series: the plugin's gauge at 1 s fires",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [
            plugin("last_available_backup_timestamp", 1, "1x1700"),
            plugin("last_available_backup_timestamp", 2, "1x1700"),
        ],
        expect: [CRITICAL],
    },
    {
        name: "CNPG ≥ 1.27: the plugin's fresher gauge wins over an exporter lagging behind",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [
            created("1x1700"),
            window("last_successful_backup_time", "shared-postgres", "1x1700"),
            plugin("last_available_backup_timestamp", 2, "86400x1700"),
        ],
        expect: [],
    },
    {
        name: "CNPG ≥ 1.27: the plugin's 0 (no recovery window) alone stays silent",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [plugin("last_available_backup_timestamp", 1, "0x1700")],
        expect: [],
    },
    // PostgresLastBackupFailed on the plugin.
    {
        name: "condition LastBackupSucceeded False, reason LastBackupFailed, fires",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [condition("LastBackupFailed", "0x15")],
        expect: [CRITICAL],
    },
    {
        name: "condition False while a backup runs (reason BackupStarted) stays silent",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [condition("BackupStarted", "0x15")],
        expect: [],
    },
    {
        name: "condition True stays silent although the collector's failure is newer than its 0",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [
            condition("LastBackupSucceeded", "1x15"),
            collector("last_failed_backup_timestamp", 1, "2000x15"),
            collector("last_available_backup_timestamp", 1, "0x15"),
        ],
        expect: [],
    },
    {
        name: "ObjectStore: a failure after the last success fires",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [
            window("last_successful_backup_time", "shared-postgres", "1000x15"),
            window("last_failed_backup_time", "shared-postgres", "2000x15"),
        ],
        expect: [CRITICAL],
    },
    {
        name: "ObjectStore: a success after the last failure stays silent",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [
            window("last_successful_backup_time", "shared-postgres", "3000x15"),
            window("last_failed_backup_time", "shared-postgres", "2000x15"),
            window("last_failed_backup_time", "shared-postgres-restore", "9000x15"),
        ],
        expect: [],
    },
    {
        name: "CNPG ≥ 1.27: the plugin's failure after its success fires",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [
            plugin("last_available_backup_timestamp", 1, "1000x15"),
            plugin("last_failed_backup_timestamp", 1, "2000x15"),
        ],
        expect: [CRITICAL],
    },
    {
        name: "CNPG ≥ 1.27: the plugin's 0 failure stays silent",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [
            plugin("last_available_backup_timestamp", 1, "1000x15"),
            plugin("last_failed_backup_timestamp", 1, "0x15"),
        ],
        expect: [],
    },
    // PostgresBackupMetricsMissing.
    {
        name: "no ObjectStore series for 15 minutes fires",
        alert: "PostgresBackupMetricsMissing",
        evalTime: "20m",
        series: [collector("last_available_backup_timestamp", 1, "0x25")],
        expect: [
            {
                severity: "warning",
                namespace: "cnpg-system",
                objectstore: "shared-postgres-backups",
            },
        ],
    },
    {
        name: "the exporter reporting the ObjectStore stays silent",
        alert: "PostgresBackupMetricsMissing",
        evalTime: "20m",
        series: [created("1x25")],
        expect: [],
    },
    // In-tree (suite infra-in-tree): the collector gauges.
    {
        suite: "infra-in-tree",
        name: "in-tree: backup older than one day + grace fires (the replicas export 0)",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [
            collector("last_available_backup_timestamp", 1, "1x1700"),
            collector("last_available_backup_timestamp", 2, "0x1700"),
        ],
        expect: [CRITICAL],
    },
    {
        suite: "infra-in-tree",
        name: "in-tree: a backup each day stays silent",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [
            collector("last_available_backup_timestamp", 1, "0x1439 86400x300"),
            collector("last_available_backup_timestamp", 2, "0x1700"),
        ],
        expect: [],
    },
    {
        suite: "infra-in-tree",
        name: "in-tree: a failure after the last success fires",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [
            collector("last_available_backup_timestamp", 1, "1000x15"),
            collector("last_failed_backup_timestamp", 1, "2000x15"),
            collector("last_available_backup_timestamp", 2, "0x15"),
            collector("last_failed_backup_timestamp", 2, "0x15"),
        ],
        expect: [CRITICAL],
    },
    {
        suite: "infra-in-tree",
        name: "in-tree: a success after the last failure stays silent",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [
            collector("last_available_backup_timestamp", 1, "3000x15"),
            collector("last_failed_backup_timestamp", 1, "2000x15"),
        ],
        expect: [],
    },
    {
        suite: "infra-in-tree",
        name: "in-tree: archiving failing on the primary fires",
        alert: "PostgresWALArchivingFailing",
        evalTime: "10m",
        series: [
            s(`cnpg_pg_stat_archiver_last_archived_time{${NS}, ${pod(1)}}`, "100x15"),
            s(`cnpg_pg_stat_archiver_last_failed_time{${NS}, ${pod(1)}}`, "200+60x15"),
        ],
        expect: [{ ...CRITICAL, pod: "shared-postgres-1" }],
    },
    {
        suite: "infra-in-tree",
        name: "in-tree: archiving recovered stays silent",
        alert: "PostgresWALArchivingFailing",
        evalTime: "10m",
        series: [
            s(`cnpg_pg_stat_archiver_last_archived_time{${NS}, ${pod(1)}}`, "300+60x15"),
            s(`cnpg_pg_stat_archiver_last_failed_time{${NS}, ${pod(1)}}`, "200x15"),
        ],
        expect: [],
    },
];
