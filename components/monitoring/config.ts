/**
 * Config fragment `platform:monitoring`: the PrometheusRule alerts built from the platform's own
 * numbers (components/monitoring/rules.ts; the co-located clusters' in colocated-rules.ts). `alerts.enabled: false` for a cluster without the
 * Prometheus Operator CRDs (monitoring.coreos.com/v1 PrometheusRule); VictoriaMetrics' operator
 * converts PrometheusRules into VMRules itself.
 */
import { z } from "zod";
import { dnsLabel, int, resourcesSchema, type StackRole } from "../schema";
import type { ApplicationConfig } from "../apps/config";
import type { CnpgConfig } from "../cnpg/config";
import type { DragonflyConfig } from "../dragonfly/config";
import type { HarborConfig } from "../harbor/config";
import type { PostgresConfig, TenantConfig } from "../postgres/config";

/** kube-state-metrics v2.19.1 (registry.k8s.io, the release's examples/standard/deployment.yaml). */
export const BACKUP_EXPORTER_IMAGE =
    "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.19.1";

/**
 * `alerts.backupExporter`: a kube-state-metrics in custom-resource-state-only mode that turns the
 * Barman Cloud plugin's ObjectStore status and the Clusters' LastBackupSucceeded condition into
 * metrics (components/monitoring/exporter.ts). Re-read at CloudNativePG 1.30.0, it still earns its
 * place: CNPG exports the plugin's own backup gauges since 1.27 (the rules use them too), but no
 * Cluster condition, and a plugin backup that fails is flagged only there (LastBackupSucceeded
 * False, pkg/management/postgres/webserver/plugin_backup.go FlagBackupAsFailed; the plugin path
 * still never calls UpdateBackupTimes). Deployed only where a cluster backs up through the
 * plugin and alerts are on.
 */
const backupExporterSchema = z.strictObject({
    enabled: z.boolean().default(true),
    image: z
        .string()
        .regex(/^[^\s@]+:[A-Za-z0-9_][A-Za-z0-9._-]*(@sha256:[a-f0-9]{64})?$/, {
            error: 'must be an image reference with a tag, such as "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.19.1"',
        })
        .default(BACKUP_EXPORTER_IMAGE),
    /** Namespace of the exporter; default the PrometheusRule's. */
    namespace: dnsLabel().optional(),
    resources: resourcesSchema.prefault({
        requests: { cpu: "10m", memory: "32Mi" },
        limits: { cpu: "100m", memory: "64Mi" },
    }),
    /** Labels on the ServiceMonitor (what the scraper's serviceMonitorSelector matches). */
    labels: z.record(z.string(), z.string()).default({}),
    scrapeIntervalSeconds: int(10, 600).default(60),
});

const ratio = z
    .number({ error: "must be a number between 0.5 and 1" })
    .min(0.5, { error: "must be a number between 0.5 and 1" })
    .max(1, { error: "must be a number between 0.5 and 1" });

export const monitoringSchema = z.strictObject({
    alerts: z
        .strictObject({
            enabled: z.boolean().default(true),
            /** Namespace of the PrometheusRule objects; default the shared cluster's (infra), the operator's (apps). */
            namespace: dnsLabel().optional(),
            /** Labels on every PrometheusRule (what the Prometheus' ruleSelector matches). */
            labels: z.record(z.string(), z.string()).default({}),
            /** Base of every alert's runbook_url; the runbook section's anchor (docs/alerts.md) is appended. */
            runbookBaseUrl: z
                .url({
                    error: "must be a URL such as https://github.com/<org>/platform/blob/main/docs/alerts.md",
                })
                .default("https://github.com/monosense-io/platform/blob/main/docs/alerts.md"),
            /** Fraction of a limit at which a "near the limit" alert fires. */
            connectionRatio: ratio.default(0.9),
            memoryRatio: ratio.default(0.9),
            /** Slack after a scheduled backup before its age alerts. */
            backupGraceMinutes: int(0, 10080).default(180),
            replicationLagSeconds: int(1, 86400).default(60),
            /** Minutes Harbor's job queue may grow without pause before it alerts. */
            jobQueueGrowthMinutes: int(5, 1440).default(30),
            backupExporter: backupExporterSchema.prefault({}),
        })
        .prefault({}),
});

export type MonitoringConfig = z.infer<typeof monitoringSchema>;
export type BackupExporterConfig = MonitoringConfig["alerts"]["backupExporter"];

/** The settings the alerts and the backup-metrics exporter are built from (the stack's config has them). */
export interface AlertsStackConfig {
    role: StackRole;
    cnpg: CnpgConfig;
    postgres?: PostgresConfig;
    tenants: TenantConfig[];
    dragonfly?: DragonflyConfig;
    harbor?: HarborConfig;
    applications: ApplicationConfig[];
    monitoring: MonitoringConfig;
}
