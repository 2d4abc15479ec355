/**
 * The instance, replication and max_connections alerts of one CNPG cluster, shared by the shared
 * cluster (components/monitoring/rules.ts) and the co-located clusters (colocated-rules.ts).
 * Metric names: CloudNativePG 1.30.0 (as 1.26.1) pg_collector.go (`cnpg_collector_up`) and
 * config/manager/default-monitoring.yaml (`cnpg_pg_replication_*`, `cnpg_backends_total`). Pure.
 */
import { re, rule, sel, type AlertRule, type Alerts } from "./promql";

export interface ClusterAlertTarget {
    cluster: string;
    namespace: string;
    instances: number;
    /** The config key that sets `instances`, for the description. */
    instancesKey: string;
    maxConnections: number;
    superuserReserved: number;
    /** Extra labels on each rule (e.g. `application`). */
    labels?: Record<string, string>;
}

/** Selector of the cluster's instance pods (`<cluster>-<n>`). */
export function instanceSelector(namespace: string, cluster: string): Record<string, string> {
    return { namespace, pod: `~${re(cluster)}-[0-9]+` };
}

export function replicationRules(a: Alerts, t: ClusterAlertTarget): AlertRule[] {
    const s = sel(instanceSelector(t.namespace, t.cluster));
    const name = `${t.namespace}/${t.cluster}`;
    const extra = t.labels ?? {};
    const rules: AlertRule[] = [
        rule(
            a,
            "PostgresInstancesNotReady",
            `(count(cnpg_collector_up${s} == 1) or vector(0)) < ${t.instances}`,
            "5m",
            t.instances > 1 ? "warning" : "critical",
            `Fewer than ${t.instances} instances of ${name} are up`,
            `${t.instances} instances are configured (${t.instancesKey}); {{ $value }} report PostgreSQL up.`,
            extra,
        ),
    ];
    if (t.instances > 1) {
        rules.push(
            rule(
                a,
                "PostgresReplicaLagging",
                `cnpg_pg_replication_lag${s} > ${a.replicationLagSeconds}`,
                "5m",
                "warning",
                `Replica {{ $labels.pod }} of ${name} lags the primary`,
                `Replay lag {{ $value }}s, more than ${a.replicationLagSeconds}s (monitoring.alerts.replicationLagSeconds).`,
                extra,
            ),
            rule(
                a,
                "PostgresReplicaMissing",
                `max by (namespace) (cnpg_pg_replication_streaming_replicas${s} and on (namespace, pod) cnpg_pg_replication_in_recovery${s} == 0) < ${t.instances - 1}`,
                "5m",
                "warning",
                `The primary of ${name} streams to fewer than ${t.instances - 1} replicas`,
                `${t.instances} instances are configured, so the primary should stream to ${t.instances - 1}; it streams to {{ $value }}.`,
                extra,
            ),
        );
    }
    return rules;
}

export function connectionsNearMaxRule(a: Alerts, t: ClusterAlertTarget): AlertRule {
    const s = sel(instanceSelector(t.namespace, t.cluster));
    const usable = t.maxConnections - t.superuserReserved;
    const threshold = Math.floor(a.connectionRatio * usable);
    return rule(
        a,
        "PostgresConnectionsNearMax",
        `sum by (namespace, pod) (cnpg_backends_total${s}) >= ${threshold}`,
        "5m",
        "warning",
        `{{ $labels.pod }} of ${t.namespace}/${t.cluster} is near max_connections`,
        `{{ $value }} backends; max_connections ${t.maxConnections} − ${t.superuserReserved} superuser_reserved_connections = ${usable} for everyone else, alert at ${a.connectionRatio} × ${usable} = ${threshold}.`,
        t.labels ?? {},
    );
}
