/**
 * The alerts of the apps stack's co-located clusters (`<app>-postgres` in each application's
 * namespace): backups, instances and replication, and max_connections, each rule labelled
 * `application`. Thresholds from the same config the cluster is built from: `instances`,
 * `backup.schedule`, and `max_connections` / `superuser_reserved_connections` from its
 * parameters over the tuned defaults (components/apps/spec.ts COLOCATED_DEFAULT_PARAMETERS;
 * PostgreSQL's default of 3 reserved). After a recovery's cut-over they watch the restored
 * cluster and its server name. Pure.
 */
import type { AlertsStackConfig } from "./config";
import { COLOCATED_DEFAULT_PARAMETERS, colocatedNames, colocatedTopology } from "../apps/spec";
import { backupRules } from "./backup-rules";
import { connectionsNearMaxRule, replicationRules } from "./cluster-rules";
import type { RuleGroup } from "./promql";

/** PostgreSQL's superuser_reserved_connections default. */
const SUPERUSER_RESERVED_DEFAULT = 3;

export function buildColocatedAlertGroups(cfg: AlertsStackConfig): RuleGroup[] {
    const a = cfg.monitoring.alerts;
    const groups: RuleGroup[] = [];
    cfg.applications.forEach((app, i) => {
        const pg = app.postgres;
        const topo = colocatedTopology(app, i);
        if (!pg || !topo) return;
        const names = colocatedNames(app);
        const labels = { application: app.name };
        const parameters = { ...COLOCATED_DEFAULT_PARAMETERS, ...pg.parameters };
        const served = topo.serving;
        const target = {
            cluster: served.name,
            namespace: served.namespace,
            instances: served.instances,
            instancesKey: served.instancesKey,
            maxConnections: Number(parameters.max_connections),
            superuserReserved: Number(
                parameters.superuser_reserved_connections ?? SUPERUSER_RESERVED_DEFAULT,
            ),
            labels,
        };
        const rules = [...replicationRules(a, target), connectionsNearMaxRule(a, target)];
        if (pg.backup) {
            rules.unshift(
                ...backupRules(a, {
                    cluster: served.name,
                    serverName: served.serverName,
                    namespace: names.namespace,
                    schedule: pg.backup.schedule,
                    plugin: cfg.cnpg.barmanCloudPlugin.enabled,
                    objectStore: names.objectStore,
                    labels,
                }),
            );
        }
        groups.push({ name: names.cluster, rules });
    });
    return groups;
}
