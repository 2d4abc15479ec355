/**
 * PrometheusRule objects (monitoring.coreos.com/v1, schema of prometheus-operator v0.82.2) built
 * from the validated config and the same arithmetic the config checks use
 * (components/postgres/budget.ts, components/harbor/budget.ts), so raising a limit in config
 * moves its alert with it. Pure: no Pulumi.
 *
 * Metric names, read in the upstream sources at the pinned versions:
 * - CloudNativePG 1.30.0 (names as in 1.26.1), config/manager/default-monitoring.yaml (queries `backends`,
 *   `pg_replication`, `pg_stat_archiver`): `cnpg_backends_total{datname,usename,state}`,
 *   `cnpg_pg_replication_lag`, `cnpg_pg_replication_in_recovery`,
 *   `cnpg_pg_replication_streaming_replicas`, `cnpg_pg_stat_archiver_last_archived_time`,
 *   `cnpg_pg_stat_archiver_last_failed_time` (custom queries are `cnpg_<query>_<column>`). New at
 *   1.30.0: `pg_stat_archiver` has a predicate_query, so only the primary (or archive_mode=always)
 *   exports it, which the per-instance archiving rule (./backup-rules.ts) does not mind.
 * - CloudNativePG 1.30.0 (as 1.26.1), pkg/management/postgres/webserver/metricserver/pg_collector.go
 *   (namespace `cnpg`, subsystem `collector`): `cnpg_collector_up{cluster}`,
 *   `cnpg_collector_last_available_backup_timestamp` and
 *   `cnpg_collector_last_failed_backup_timestamp` (plain gauges set from the Cluster's
 *   status.lastSuccessfulBackup / lastFailedBackup on the primary only; the replicas export 0,
 *   hence `max`). status.lastFailedBackup is set by pkg/resources/status/backup.go
 *   FlagBackupAsFailed together with the condition LastBackupSucceeded=False, and
 *   lastSuccessfulBackup by api/v1/cluster_funcs.go UpdateBackupTimes after a Barman Cloud backup
 *   (pkg/management/postgres/backup.go), so "last failure newer than last success" is that
 *   condition being false. On the Barman Cloud plugin CNPG 1.30.0 (as 1.26.1) fills neither, and the
 *   backup rules read the plugin's ObjectStore through the backup-metrics exporter and the
 *   plugin's own gauges instead (components/monitoring/backup-rules.ts, exporter.ts).
 * - PgBouncer's: see ./pooler-rules.ts.
 * - Dragonfly v1.39.0, src/server/server_family.cc PrintPrometheusMetrics (prefix `dragonfly_`):
 *   `dragonfly_memory_used_bytes`, `dragonfly_master` (1 on the master, 0 on a replica).
 * - Harbor v2.15.1 (chart 1.19.1; unchanged since v2.12.4), src/pkg/exporter/health_collector.go: `harbor_up{component}`
 *   (components from src/controller/health/checker.go: core, registry, jobservice, ...; no series
 *   at all when core's health API does not answer, hence `absent`) and js_collector.go:
 *   `harbor_task_queue_size{type}`.
 *
 * Series are selected by namespace and pod name, never by an exported label that a scrape could
 * rename (a `cluster` target label turns cnpg_collector_up's own `cluster` into
 * `exported_cluster`). CNPG's PodMonitors select pods by label and keep Prometheus' `namespace`
 * and `pod` target labels; instance pods are `<cluster>-<n>`, pooler pods
 * `<pooler>-<replicaset hash>-<pod hash>` (./pooler-rules.ts); this also holds after
 * VictoriaMetrics' conversion.
 */
import { HARBOR_TENANT } from "../harbor/config";
import type { AlertsStackConfig } from "./config";
import { clusterBudget, tenantBudget } from "../postgres/budget";
import { clusterNames } from "../postgres/spec";
import { sharedTopology, type Topology } from "../postgres/topology";
import { maxMemoryBytes } from "../dragonfly/config";
import { backupRules } from "./backup-rules";
import { buildColocatedAlertGroups } from "./colocated-rules";
import { webhookRules } from "./webhook-rules";
import { connectionsNearMaxRule, instanceSelector, replicationRules } from "./cluster-rules";
import { poolerRules } from "./pooler-rules";
import { rule, re, sel, type AlertRule, type PrometheusRuleObject, type RuleGroup } from "./promql";

export {
    PROMETHEUS_RULE_API_VERSION,
    runbookAnchor,
    type AlertRule,
    type PrometheusRuleObject,
    type RuleGroup,
} from "./promql";

/**
 * The alert groups of the shared cluster, its tenants' poolers, Dragonfly and Harbor. They watch
 * the serving cluster of the stack's topology (components/postgres/topology.ts): the restored one
 * once `recovery.cutOver` moves the tenants to it.
 */
export function buildAlertGroups(cfg: AlertsStackConfig, topology?: Topology): RuleGroup[] {
    const a = cfg.monitoring.alerts;
    const groups: RuleGroup[] = [];
    const pg = cfg.postgres;
    if (pg) {
        const topo = topology ?? sharedTopology(pg, cfg.tenants);
        const served = topo.serving;
        const inst = instanceSelector(pg.namespace, served.name);
        if (pg.backup) {
            groups.push({
                name: `${pg.name}-backups`,
                rules: backupRules(a, {
                    cluster: served.name,
                    serverName: served.serverName,
                    namespace: pg.namespace,
                    schedule: pg.backup.schedule,
                    plugin: cfg.cnpg.barmanCloudPlugin.enabled,
                    objectStore: clusterNames(pg).objectStore,
                }),
            });
        }
        const budget = clusterBudget(pg, cfg.tenants);
        const target = {
            cluster: served.name,
            namespace: served.namespace,
            instances: served.instances,
            instancesKey: served.instancesKey,
            maxConnections: budget.maxConnections,
            superuserReserved: budget.superuserReserved,
        };
        groups.push({ name: `${pg.name}-replication`, rules: replicationRules(a, target) });
        const connections: AlertRule[] = [connectionsNearMaxRule(a, target)];
        for (const t of cfg.tenants) {
            const b = tenantBudget(t);
            const threshold = Math.max(1, Math.floor(a.connectionRatio * b.connectionLimit));
            connections.push(
                rule(
                    a,
                    "PostgresRoleConnectionsNearLimit",
                    `sum by (namespace, pod, usename) (cnpg_backends_total${sel({ ...inst, usename: t.role })}) >= ${threshold}`,
                    "5m",
                    "warning",
                    `Role ${t.role} (tenant ${t.name}) is near its connection limit on {{ $labels.pod }}`,
                    `{{ $value }} backends of ${t.role}; connectionLimit ${b.connectionLimit}, alert at ${a.connectionRatio} × ${b.connectionLimit} = ${threshold}. Its pooler can open ${b.serverConnections} (${b.instances} instances × ${b.perInstance}${b.session ? ` + ${b.session.serverConnections} of its session pooler` : ""}).`,
                    { tenant: t.name },
                ),
            );
            // Every pooler of the tenant in the topology: its main one and its session-mode one.
            for (const node of topo.poolers.filter((p) => p.tenant === t.name)) {
                connections.push(...poolerRules(a, node, b));
            }
        }
        groups.push({ name: `${pg.name}-connections`, rules: connections });
    }

    const df = cfg.dragonfly?.mode === "managed" ? cfg.dragonfly : undefined;
    if (df) {
        const s = sel({ namespace: df.namespace, pod: `~${re(df.name)}-[0-9]+` });
        const max = maxMemoryBytes(df);
        const threshold = Math.floor(a.memoryRatio * max);
        groups.push({
            name: `${df.name}-dragonfly`,
            rules: [
                rule(
                    a,
                    "DragonflyMemoryNearLimit",
                    `dragonfly_memory_used_bytes${s} > ${threshold}`,
                    "10m",
                    "warning",
                    `Dragonfly {{ $labels.pod }} is near its maxmemory`,
                    `{{ $value | humanize1024 }}B used; maxMemory ${df.maxMemory} = ${max} bytes, alert at ${a.memoryRatio} × that = ${threshold}. Past maxmemory Dragonfly refuses writes (Harbor's sessions and job queue).`,
                ),
                rule(
                    a,
                    "DragonflyNoMaster",
                    `(sum(dragonfly_master${s}) or vector(0)) < 1`,
                    "2m",
                    "critical",
                    `Dragonfly ${df.namespace}/${df.name} has no master`,
                    `No pod of ${df.name} reports dragonfly_master 1: writes fail until the operator promotes a replica.`,
                ),
            ],
        });
    }

    const h = cfg.harbor;
    if (h && h.metrics.enabled && cfg.tenants.some((t) => t.name === HARBOR_TENANT)) {
        const ns = { namespace: h.namespace };
        const down = (component: string) =>
            `(max(harbor_up${sel({ ...ns, component })}) or vector(0)) < 1`;
        groups.push({
            name: "harbor",
            rules: [
                rule(
                    a,
                    "HarborCoreDown",
                    down("core"),
                    "5m",
                    "critical",
                    "Harbor core is down",
                    "The exporter reports core unhealthy, or reports nothing (it reads core's health API, so a dead core leaves no series).",
                ),
                rule(
                    a,
                    "HarborRegistryDown",
                    down("registry"),
                    "5m",
                    "critical",
                    "Harbor registry is down",
                    "Pushes and pulls fail: Harbor's health API reports the registry unhealthy (or nothing is reported).",
                ),
                rule(
                    a,
                    "HarborJobQueueGrowing",
                    `sum by (namespace, type) (harbor_task_queue_size${sel(ns)}) > 0 and sum by (namespace, type) (delta(harbor_task_queue_size${sel(ns)}[${a.jobQueueGrowthMinutes}m])) > 0`,
                    "10m",
                    "warning",
                    "Harbor's {{ $labels.type }} job queue keeps growing",
                    `{{ $value }} {{ $labels.type }} jobs queued, more than ${a.jobQueueGrowthMinutes} minutes ago (monitoring.alerts.jobQueueGrowthMinutes), for 10 minutes: jobservice does not keep up or is stuck.`,
                ),
            ],
        });
    }
    return groups;
}

/**
 * The PrometheusRule objects of the stack (empty when alerts are off): on infra the shared
 * cluster's, its tenants', Dragonfly's and Harbor's; on apps the co-located clusters'.
 */
export function buildPrometheusRules(
    cfg: AlertsStackConfig,
    topology?: Topology,
): PrometheusRuleObject[] {
    const a = cfg.monitoring.alerts;
    if (!a.enabled) return [];
    const groups =
        cfg.role === "infra" ? buildAlertGroups(cfg, topology) : buildColocatedAlertGroups(cfg);
    if (groups.length === 0) return [];
    // Both stacks run a CNPG operator whose webhooks every CNPG write goes through.
    groups.push({ name: "cnpg-operator", rules: webhookRules(a) });
    const home = cfg.role === "infra" ? cfg.postgres?.namespace : cfg.cnpg.namespace;
    return [
        {
            name: "platform-alerts",
            namespace: a.namespace ?? home ?? "default",
            labels: a.labels,
            spec: { groups },
        },
    ];
}
