/**
 * The backup-metrics exporter: a kube-state-metrics (v2.19.1) in custom-resource-state-only mode
 * that exports what CloudNativePG 1.30.0 (as 1.26.1) does not for backups through the Barman Cloud plugin.
 * Pure builders; components/monitoring/exporter-component.ts creates the objects.
 *
 * Why (re-read at CNPG 1.30.0: unchanged but for the plugin gauges CNPG collects since 1.27.0,
 * which backup-rules.ts uses beside this exporter's series; the Cluster condition still reaches
 * Prometheus only through here): CNPG 1.30.0, as 1.26.1, fills the Cluster's status.lastSuccessfulBackup only on its in-tree path
 * (pkg/management/postgres/backup.go calls UpdateBackupTimes; plugin_backup.go does not), so
 * `cnpg_collector_last_available_backup_timestamp` stays 0 for plugin backups, and it collects no
 * plugin metrics (internal/cnpi/plugin/client/metrics.go arrives in 1.27.0). The plugin
 * (v0.13.0) keeps the numbers in its ObjectStore instead: `status.serverRecoveryWindow.<server>`
 * {firstRecoverabilityPoint, lastSuccessfulBackupTime, lastFailedBackupTime} (api/v1/objectstore_types.go),
 * written after each backup and failure (internal/cnpgi/instance/backup.go, recovery_window.go)
 * and every retentionPolicyIntervalSeconds by the primary's catalog maintenance (retention.go).
 * The Cluster's condition `LastBackupSucceeded` (api/v1/cluster_conditions.go) is set on both
 * paths: False with reason `LastBackupFailed` by pkg/resources/status/backup.go FlagBackupAsFailed
 * (which plugin_backup.go calls), False with reason `BackupStarted` while a backup runs.
 *
 * kube-state-metrics v2.19.1, pkg/customresourcestate: a metric is named
 * `kube_customresource_<name>` (config.go GetMetricNamePrefix, registry_factory.go fullName); a
 * gauge whose path is a map makes one series per key, the key in `labelFromKey`
 * (registry_factory.go compiledGauge.Values); `valueFrom` parses an RFC3339 string (what
 * metav1.Time marshals to) into Unix seconds and "True"/"False" into 1/0 (toFloat64); an absent
 * field makes no series, not 0 (compiledGauge.value without nilIsZero); a path ending at a
 * timestamp without valueFrom is that timestamp (registry_factory_test.go "timestamp"). It discovers the CRDs
 * it serves (internal/discovery/discovery.go), hence list/watch on customresourcedefinitions
 * (docs/metrics/extend/customresourcestate-metrics.md "RBAC-enabled Clusters"), and lists each
 * resource per `--namespaces` entry (internal/store/builder.go buildCustomResourceStores, one
 * custom_resource_metrics.go ListWatch per namespace), so Roles in the watched namespaces suffice
 * for the rest.
 */
import { createHash } from "node:crypto";
import type { types } from "@pulumi/kubernetes";
import * as YAML from "yaml";
import { appNamespace } from "../apps/config";
import type { AlertsStackConfig } from "./config";
import { k8sResources } from "../schema";
import type { BackupExporterConfig } from "./config";

export const EXPORTER_NAME = "platform-backup-metrics";
export const EXPORTER_METRICS_PORT = 8080;
export const EXPORTER_TELEMETRY_PORT = 8081;
export const SERVICE_MONITOR_API_VERSION = "monitoring.coreos.com/v1";

const PREFIX = "kube_customresource";

/** Metric names (without the prefix) as configured below; the rules use `KSM.<key>`. */
const NAMES = {
    lastSuccessfulBackup: "barmancloud_objectstore_last_successful_backup_time",
    lastFailedBackup: "barmancloud_objectstore_last_failed_backup_time",
    firstRecoverabilityPoint: "barmancloud_objectstore_first_recoverability_point",
    objectStoreCreated: "barmancloud_objectstore_created",
    clusterCondition: "cnpg_cluster_condition",
    clusterCreated: "cnpg_cluster_created",
} as const;

/** Full metric names as kube-state-metrics exports them. */
export const KSM = Object.fromEntries(
    Object.entries(NAMES).map(([k, v]) => [k, `${PREFIX}_${v}`]),
) as { [K in keyof typeof NAMES]: string };

/** The labels the exporter's series carry (besides customresource_group/_version/_kind). */
export const KSM_LABELS = {
    namespace: "namespace",
    objectStore: "objectstore",
    server: "server",
    cluster: "cnpg_cluster",
} as const;

export const EXPORTER_POD_LABELS = {
    "app.kubernetes.io/name": "kube-state-metrics",
    "app.kubernetes.io/instance": EXPORTER_NAME,
    "app.kubernetes.io/component": "backup-metrics",
};

/** The CustomResourceStateMetrics configuration (`--custom-resource-state-config-file`). */
export function exporterMetricsConfig(plugin: boolean): Record<string, unknown> {
    const window = (name: string, field: string, help: string) => ({
        name,
        help,
        each: {
            type: "Gauge",
            gauge: {
                path: ["status", "serverRecoveryWindow"],
                labelFromKey: KSM_LABELS.server,
                valueFrom: [field],
            },
        },
    });
    const objectStore = {
        groupVersionKind: { group: "barmancloud.cnpg.io", version: "v1", kind: "ObjectStore" },
        labelsFromPath: {
            [KSM_LABELS.namespace]: ["metadata", "namespace"],
            [KSM_LABELS.objectStore]: ["metadata", "name"],
        },
        metrics: [
            window(
                NAMES.lastSuccessfulBackup,
                "lastSuccessfulBackupTime",
                "Unix time of the newest successful base backup of the server in the object store.",
            ),
            window(
                NAMES.lastFailedBackup,
                "lastFailedBackupTime",
                "Unix time of the last failed base backup of the server.",
            ),
            window(
                NAMES.firstRecoverabilityPoint,
                "firstRecoverabilityPoint",
                "Unix time of the earliest point the server can be restored to.",
            ),
            {
                name: NAMES.objectStoreCreated,
                help: "Unix creation time of the ObjectStore (one series per ObjectStore: the exporter sees it).",
                each: {
                    type: "Gauge",
                    gauge: { path: ["metadata", "creationTimestamp"] },
                },
            },
        ],
    };
    const cluster = {
        groupVersionKind: { group: "postgresql.cnpg.io", version: "v1", kind: "Cluster" },
        labelsFromPath: {
            [KSM_LABELS.namespace]: ["metadata", "namespace"],
            [KSM_LABELS.cluster]: ["metadata", "name"],
        },
        metrics: [
            {
                name: NAMES.clusterCondition,
                help: "The Cluster's status.conditions: 1 True, 0 False, by type and reason.",
                each: {
                    type: "Gauge",
                    gauge: {
                        path: ["status", "conditions"],
                        labelsFromPath: { type: ["type"], reason: ["reason"] },
                        valueFrom: ["status"],
                    },
                },
            },
            {
                name: NAMES.clusterCreated,
                help: "Unix creation time of the Cluster.",
                each: { type: "Gauge", gauge: { path: ["metadata", "creationTimestamp"] } },
            },
        ],
    };
    return {
        kind: "CustomResourceStateMetrics",
        spec: { resources: plugin ? [objectStore, cluster] : [cluster] },
    };
}

export interface ExporterInputs {
    config: BackupExporterConfig;
    namespace: string;
    /** Namespaces whose Clusters and ObjectStores are exported. */
    watchNamespaces: string[];
    /** Whether the clusters back up through the Barman Cloud plugin (ObjectStores exist). */
    plugin: boolean;
}

export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

export interface ExporterObjects {
    configYaml: string;
    clusterRole: { rules: PolicyRule[] };
    /** One Role (same rules) per watched namespace. */
    role: { rules: PolicyRule[] };
    deployment: types.input.apps.v1.DeploymentSpec;
    service: types.input.core.v1.ServiceSpec;
    serviceMonitor: Record<string, unknown>;
}

const CONFIG_DIR = "/etc/platform-backup-metrics";

export function buildExporter(x: ExporterInputs): ExporterObjects {
    const configYaml = YAML.stringify(exporterMetricsConfig(x.plugin));
    const namespaces = [...new Set(x.watchNamespaces)].sort();
    const rules: PolicyRule[] = [
        { apiGroups: ["postgresql.cnpg.io"], resources: ["clusters"], verbs: ["list", "watch"] },
    ];
    if (x.plugin) {
        rules.push({
            apiGroups: ["barmancloud.cnpg.io"],
            resources: ["objectstores"],
            verbs: ["list", "watch"],
        });
    }
    const container = {
        name: "kube-state-metrics",
        image: x.config.image,
        args: [
            "--custom-resource-state-only=true",
            `--custom-resource-state-config-file=${CONFIG_DIR}/config.yaml`,
            `--namespaces=${namespaces.join(",")}`,
            `--port=${EXPORTER_METRICS_PORT}`,
            `--telemetry-port=${EXPORTER_TELEMETRY_PORT}`,
        ],
        ports: [
            { name: "http-metrics", containerPort: EXPORTER_METRICS_PORT, protocol: "TCP" },
            { name: "telemetry", containerPort: EXPORTER_TELEMETRY_PORT, protocol: "TCP" },
        ],
        livenessProbe: {
            httpGet: { path: "/livez", port: "http-metrics" },
            initialDelaySeconds: 5,
            timeoutSeconds: 5,
        },
        readinessProbe: {
            httpGet: { path: "/readyz", port: "telemetry" },
            initialDelaySeconds: 5,
            timeoutSeconds: 5,
        },
        resources: k8sResources(x.config.resources),
        securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        },
        volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
    };
    const deployment: types.input.apps.v1.DeploymentSpec = {
        replicas: 1,
        selector: { matchLabels: EXPORTER_POD_LABELS },
        template: {
            metadata: {
                labels: EXPORTER_POD_LABELS,
                annotations: {
                    "platform.monosense.io/config-sha256": createHash("sha256")
                        .update(configYaml)
                        .digest("hex"),
                },
            },
            spec: {
                serviceAccountName: EXPORTER_NAME,
                automountServiceAccountToken: true,
                securityContext: {
                    runAsNonRoot: true,
                    runAsUser: 65534,
                    runAsGroup: 65534,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                nodeSelector: { "kubernetes.io/os": "linux" },
                containers: [container],
                volumes: [{ name: "config", configMap: { name: EXPORTER_NAME } }],
            },
        },
    };
    return {
        configYaml,
        clusterRole: {
            rules: [
                {
                    apiGroups: ["apiextensions.k8s.io"],
                    resources: ["customresourcedefinitions"],
                    verbs: ["list", "watch"],
                },
            ],
        },
        role: { rules },
        deployment,
        service: {
            selector: EXPORTER_POD_LABELS,
            ports: [
                {
                    name: "http-metrics",
                    port: EXPORTER_METRICS_PORT,
                    targetPort: "http-metrics",
                    protocol: "TCP",
                },
            ],
        },
        // prometheus-operator v0.82.2 ServiceMonitor; VictoriaMetrics' operator converts it into a
        // VMServiceScrape. honorLabels keeps the exported `namespace` (the object's) instead of
        // renaming it exported_namespace beside the exporter's own.
        serviceMonitor: {
            selector: { matchLabels: { "app.kubernetes.io/instance": EXPORTER_NAME } },
            endpoints: [
                {
                    port: "http-metrics",
                    interval: `${x.config.scrapeIntervalSeconds}s`,
                    honorLabels: true,
                },
            ],
        },
    };
}

/** Where this stack's exporter runs and what it watches; undefined = no exporter. */
export function exporterPlan(cfg: AlertsStackConfig): ExporterInputs | undefined {
    const a = cfg.monitoring.alerts;
    const plugin = cfg.cnpg.barmanCloudPlugin.enabled;
    if (!a.enabled || !a.backupExporter.enabled || !plugin) return undefined;
    let watch: string[] = [];
    let home: string | undefined;
    if (cfg.role === "infra" && cfg.postgres?.backup) {
        watch = [cfg.postgres.namespace];
        home = cfg.postgres.namespace;
    } else if (cfg.role === "apps") {
        watch = cfg.applications.filter((app) => app.postgres?.backup).map(appNamespace);
        home = cfg.cnpg.namespace;
    }
    if (watch.length === 0 || !home) return undefined;
    return {
        config: a.backupExporter,
        namespace: a.backupExporter.namespace ?? a.namespace ?? home,
        watchNamespaces: watch,
        plugin,
    };
}
