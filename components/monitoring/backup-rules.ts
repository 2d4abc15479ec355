/**
 * The backup alerts of one CNPG cluster (the shared cluster on infra, each co-located cluster on
 * apps): base backup too old, last backup failed, WAL archiving failing. Pure.
 *
 * Where the backup times come from, by path (upstream files in components/monitoring/exporter.ts):
 * - in-tree barmanObjectStore: CNPG 1.30.0's (as 1.26.1's) `cnpg_collector_last_available_backup_timestamp` /
 *   `cnpg_collector_last_failed_backup_timestamp` (pkg/management/postgres/webserver/metricserver/pg_collector.go,
 *   set on the primary from status.lastSuccessfulBackup / lastFailedBackup; the replicas export
 *   0, hence `max`);
 * - Barman Cloud plugin: the ObjectStore's status.serverRecoveryWindow.<server> through the
 *   backup-metrics exporter (`kube_customresource_barmancloud_objectstore_*{namespace,
 *   objectstore, server}`), `or` the plugin's own gauges
 *   `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp` /
 *   `..._last_failed_backup_timestamp` (plugin-barman-cloud v0.13.0
 *   internal/cnpgi/instance/metrics.go: the metric domain is the plugin name with "." and "-" as
 *   "_"; every instance reports the ObjectStore's values, 0 when it has none), which CNPG
 *   collects from 1.27.0 on (internal/cnpi/plugin/client/metrics.go, under the plugin's own
 *   names, prometheus.NewDesc(FqName)) and exports on the instances' metrics port
 *   (pkg/management/postgres/webserver/metricserver/pg_collector.go pluginCollector): the rules keep working, unchanged, after an operator upgrade; the
 *   newest of the two wins. The Cluster's condition LastBackupSucceeded False with reason
 *   LastBackupFailed (CNPG 1.30.0, as 1.26.1, pkg/resources/status/backup.go FlagBackupAsFailed, for plugin
 *   backups too) is the failure signal that also covers a backup that never reached the plugin.
 *
 * The exporter's series keep the object's `namespace` (its ServiceMonitor honours labels).
 */
import { KSM, KSM_LABELS } from "./exporter";
import { scheduleMaxIntervalSeconds } from "./interval";
import { re, rule, sel, type AlertRule, type Alerts } from "./promql";

/** plugin-barman-cloud v0.13.0 internal/cnpgi/instance/metrics.go, as CNPG ≥ 1.27 exports them. */
export const PLUGIN_METRICS = {
    lastAvailableBackup: "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
    lastFailedBackup: "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp",
} as const;

export interface BackupAlertTarget {
    cluster: string;
    namespace: string;
    schedule: string;
    /** Backs up through the Barman Cloud plugin (else in-tree). */
    plugin: boolean;
    /** The cluster's ObjectStore (plugin path). */
    objectStore: string;
    /** Server name it archives under; default the cluster's name. */
    serverName?: string;
    /** Extra labels on each rule (e.g. `application`). */
    labels?: Record<string, string>;
}

export function backupRules(a: Alerts, t: BackupAlertTarget): AlertRule[] {
    const interval = scheduleMaxIntervalSeconds(t.schedule);
    const maxAge = interval + a.backupGraceMinutes * 60;
    const s = sel({ namespace: t.namespace, pod: `~${re(t.cluster)}-[0-9]+` });
    const name = `${t.namespace}/${t.cluster}`;
    const extra = t.labels ?? {};
    const exporter = a.backupExporter.enabled;
    const store = sel({
        [KSM_LABELS.namespace]: t.namespace,
        [KSM_LABELS.objectStore]: t.objectStore,
        [KSM_LABELS.server]: t.serverName ?? t.cluster,
    });
    const storeObject = sel({
        [KSM_LABELS.namespace]: t.namespace,
        [KSM_LABELS.objectStore]: t.objectStore,
    });
    const max = (inner: string) => `max by (namespace) (${inner})`;

    let tooOld: string;
    let failed: string;
    const rules: AlertRule[] = [];
    if (!t.plugin) {
        const ok = max(`cnpg_collector_last_available_backup_timestamp${s}`);
        tooOld = `time() - ${ok} > ${maxAge}`;
        failed = `${max(`cnpg_collector_last_failed_backup_timestamp${s}`)} > ${ok}`;
    } else {
        const pluginOk = `(${PLUGIN_METRICS.lastAvailableBackup}${s} > 0)`;
        const pluginFailed = `(${PLUGIN_METRICS.lastFailedBackup}${s} > 0)`;
        const ok = max(exporter ? `${KSM.lastSuccessfulBackup}${store} or ${pluginOk}` : pluginOk);
        const bad = max(
            exporter ? `${KSM.lastFailedBackup}${store} or ${pluginFailed}` : pluginFailed,
        );
        tooOld = `(time() - ${ok} > ${maxAge})`;
        failed = `(${bad} > ${ok})`;
        if (exporter) {
            // No successful backup at all, maxAge after the later of the ObjectStore and the
            // Cluster appeared (a restored cluster archives to a new server name in an old store).
            const cluster = sel({
                [KSM_LABELS.namespace]: t.namespace,
                [KSM_LABELS.cluster]: t.cluster,
            });
            const since = max(
                `${KSM.objectStoreCreated}${storeObject} or ${KSM.clusterCreated}${cluster}`,
            );
            tooOld += ` or (time() - ${since} > ${maxAge} unless on (namespace) ${ok})`;
            const condition = sel({
                [KSM_LABELS.namespace]: t.namespace,
                [KSM_LABELS.cluster]: t.cluster,
                type: "LastBackupSucceeded",
                reason: "LastBackupFailed",
            });
            failed = `${max(`${KSM.clusterCondition}${condition} == 0`)} or ${failed}`;
            rules.push(
                rule(
                    a,
                    "PostgresBackupMetricsMissing",
                    `absent(${KSM.objectStoreCreated}${storeObject})`,
                    "15m",
                    "warning",
                    `No backup metrics for ${name}: its backup alerts cannot fire`,
                    `The backup-metrics exporter reports no ObjectStore ${t.namespace}/${t.objectStore}: the exporter is down or not scraped, or the ObjectStore is gone. PostgresBackupTooOld and PostgresLastBackupFailed stay silent until it is back.`,
                    extra,
                ),
            );
        }
    }
    rules.unshift(
        rule(
            a,
            "PostgresBackupTooOld",
            tooOld,
            "10m",
            "critical",
            `Last successful backup of ${name} is older than its schedule allows`,
            `Schedule "${t.schedule}" runs at least every ${interval}s; with ${a.backupGraceMinutes} min grace a backup older than ${maxAge}s means a run failed or never started. Age now: {{ $value | humanizeDuration }}.`,
            extra,
        ),
        rule(
            a,
            "PostgresLastBackupFailed",
            failed,
            "5m",
            "critical",
            `The last backup of ${name} failed`,
            `The Cluster's condition LastBackupSucceeded is False (LastBackupFailed), or a backup failed after the last successful one; kubectl -n ${t.namespace} get backups shows the error.`,
            extra,
        ),
        rule(
            a,
            "PostgresWALArchivingFailing",
            `cnpg_pg_stat_archiver_last_failed_time${s} > cnpg_pg_stat_archiver_last_archived_time${s}`,
            "5m",
            "critical",
            `WAL archiving of ${name} is failing on {{ $labels.pod }}`,
            `The last archive attempt failed after the last success: point-in-time recovery stops at the last archived segment and pg_wal fills up.`,
            extra,
        ),
    );
    return rules;
}
