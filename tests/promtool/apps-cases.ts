/**
 * promtool cases of the apps stack (suite `apps`, the committed Pulumi.apps.yaml): the
 * co-located cluster kubekloud-api-postgres in namespace kubekloud-api, 1 instance, daily backups
 * at 03:00 ("0 0 3 * * *" + 180 min grace = 97200 s) through the Barman Cloud plugin, the tuned
 * default max_connections 100 − 3 reserved = 97, × 0.9 → 87. Series named as in backup-cases.ts.
 */
import type { AlertCase, Series } from "./types";

const NS = 'namespace="kubekloud-api"';
const POD = 'pod="kubekloud-api-postgres-1"';
const s = (series: string, values: string): Series => ({ series, values });
const STORE = `${NS}, objectstore="kubekloud-api-postgres-backups", customresource_group="barmancloud.cnpg.io", customresource_kind="ObjectStore", customresource_version="v1"`;
const created = (values: string) =>
    s(`kube_customresource_barmancloud_objectstore_created{${STORE}}`, values);
const lastBackup = (values: string) =>
    s(
        `kube_customresource_barmancloud_objectstore_last_successful_backup_time{${STORE}, server="kubekloud-api-postgres"}`,
        values,
    );
const condition = (reason: string, values: string) =>
    s(
        `kube_customresource_cnpg_cluster_condition{${NS}, cnpg_cluster="kubekloud-api-postgres", type="LastBackupSucceeded", reason="${reason}"}`,
        values,
    );
const APP = { application: "kubekloud-api", namespace: "kubekloud-api" };

export const APPS_CASES: AlertCase[] = [
    {
        name: "kubekloud-api: last backup 28 h ago fires with its application label",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [created("1x1700"), lastBackup("1x1700")],
        expect: [{ severity: "critical", ...APP }],
    },
    {
        name: "kubekloud-api: a backup 4 h ago stays silent",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [created("1x1700"), lastBackup("86400x1700")],
        expect: [],
    },
    {
        name: "kubekloud-api: the shared cluster's old backup does not count",
        alert: "PostgresBackupTooOld",
        evalTime: "28h",
        series: [
            created("1x1700"),
            lastBackup("86400x1700"),
            s(
                `kube_customresource_barmancloud_objectstore_last_successful_backup_time{namespace="cnpg-system", objectstore="shared-postgres-backups", server="shared-postgres"}`,
                "1x1700",
            ),
        ],
        expect: [],
    },
    {
        name: "kubekloud-api: LastBackupSucceeded False (LastBackupFailed) fires",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [condition("LastBackupFailed", "0x15")],
        expect: [{ severity: "critical", ...APP }],
    },
    {
        name: "kubekloud-api: LastBackupSucceeded True stays silent",
        alert: "PostgresLastBackupFailed",
        evalTime: "10m",
        series: [condition("LastBackupSucceeded", "1x15")],
        expect: [],
    },
    {
        name: "kubekloud-api: archiving failing fires",
        alert: "PostgresWALArchivingFailing",
        evalTime: "10m",
        series: [
            s(`cnpg_pg_stat_archiver_last_archived_time{${NS}, ${POD}}`, "100x15"),
            s(`cnpg_pg_stat_archiver_last_failed_time{${NS}, ${POD}}`, "200+60x15"),
        ],
        expect: [{ severity: "critical", ...APP, pod: "kubekloud-api-postgres-1" }],
    },
    {
        name: "kubekloud-api: archiving working stays silent",
        alert: "PostgresWALArchivingFailing",
        evalTime: "10m",
        series: [
            s(`cnpg_pg_stat_archiver_last_archived_time{${NS}, ${POD}}`, "300+60x15"),
            s(`cnpg_pg_stat_archiver_last_failed_time{${NS}, ${POD}}`, "200x15"),
        ],
        expect: [],
    },
    {
        name: "kubekloud-api: no ObjectStore series fires",
        alert: "PostgresBackupMetricsMissing",
        evalTime: "20m",
        series: [s(`up{${NS}, ${POD}}`, "1x25")],
        expect: [
            {
                severity: "warning",
                application: "kubekloud-api",
                namespace: "kubekloud-api",
                objectstore: "kubekloud-api-postgres-backups",
            },
        ],
    },
    {
        name: "kubekloud-api: its ObjectStore reported stays silent",
        alert: "PostgresBackupMetricsMissing",
        evalTime: "20m",
        series: [created("1x25")],
        expect: [],
    },
    {
        name: "kubekloud-api: its one instance down is critical",
        alert: "PostgresInstancesNotReady",
        evalTime: "10m",
        series: [s(`cnpg_collector_up{${NS}, ${POD}}`, "0x15")],
        expect: [{ severity: "critical", application: "kubekloud-api" }],
    },
    {
        name: "kubekloud-api: its one instance up stays silent",
        alert: "PostgresInstancesNotReady",
        evalTime: "10m",
        series: [s(`cnpg_collector_up{${NS}, ${POD}}`, "1x15")],
        expect: [],
    },
    {
        name: "kubekloud-api: 87 backends fire",
        alert: "PostgresConnectionsNearMax",
        evalTime: "10m",
        series: [
            s(`cnpg_backends_total{${NS}, ${POD}, usename="kubekloud", state="idle"}`, "80x15"),
            s(`cnpg_backends_total{${NS}, ${POD}, usename="kubekloud", state="active"}`, "7x15"),
        ],
        expect: [{ severity: "warning", ...APP, pod: "kubekloud-api-postgres-1" }],
    },
    {
        name: "kubekloud-api: 86 backends stay silent",
        alert: "PostgresConnectionsNearMax",
        evalTime: "10m",
        series: [
            s(`cnpg_backends_total{${NS}, ${POD}, usename="kubekloud", state="idle"}`, "86x15"),
        ],
        expect: [],
    },
];
