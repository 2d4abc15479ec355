/**
 * The apps stack's alerts: one PrometheusRule for the co-located clusters, thresholds from each
 * cluster's own config (instances, backup schedule, max_connections over the tuned defaults of
 * components/apps/spec.ts), each rule labelled with its application; CNPG's PodMonitor on the
 * co-located clusters while alerts are on (CloudNativePG 1.30.0 api/v1/cluster_types.go
 * MonitoringConfiguration.EnablePodMonitor, deprecated there but still honoured: cluster_funcs.go
 * IsPodMonitorEnabled), since the rules read what it scrapes. The PromQL
 * itself runs in `npm run test:rules` (suite apps, tests/promtool/apps-cases.ts).
 */
import assert from "node:assert/strict";
import { parseConfig, type PlatformConfig } from "../components/config";
import { buildColocatedAlertGroups } from "../components/monitoring/colocated-rules";
import { buildPrometheusRules, type AlertRule } from "../components/monitoring/rules";
import { render } from "../scripts/render";
import { Run, fixtureSettings, toConfigMap } from "./mocks";

type Settings = Record<string, any>;

function apps(change: (s: Settings) => void = () => undefined): PlatformConfig {
    const s = structuredClone(fixtureSettings("apps")) as Settings;
    change(s);
    return parseConfig(toConfigMap(s));
}

const kubekloud = (s: Settings) =>
    (s["platform:applications"] as Settings[]).find((a) => a.name === "kubekloud-api")!;

function rules(cfg: PlatformConfig): AlertRule[] {
    return buildColocatedAlertGroups(cfg).flatMap((g) => g.rules);
}

function one(cfg: PlatformConfig, alert: string): AlertRule {
    const found = rules(cfg).filter((r) => r.alert === alert);
    assert.equal(found.length, 1, `${alert}: ${found.length} rules`);
    return found[0] as AlertRule;
}

describe("alerts of the co-located clusters (apps)", () => {
    it("is one PrometheusRule in cnpg-system with a group per co-located cluster", () => {
        const objs = buildPrometheusRules(apps());
        assert.deepEqual(
            objs.map((o) => [o.namespace, o.name, o.spec.groups.map((g) => g.name)]),
            [["cnpg-system", "platform-alerts", ["kubekloud-api-postgres", "cnpg-operator"]]],
        );
        assert.deepEqual(
            rules(apps()).map((r) => r.alert),
            [
                "PostgresBackupTooOld",
                "PostgresLastBackupFailed",
                "PostgresWALArchivingFailing",
                "PostgresBackupMetricsMissing",
                "PostgresInstancesNotReady",
                "PostgresConnectionsNearMax",
            ],
        );
        assert.ok(rules(apps()).every((r) => r.labels.application === "kubekloud-api"));
    });

    it("takes the thresholds from the cluster's config", () => {
        const cfg = apps();
        // one instance: critical, no replica rules; daily + 180 min grace; (100 − 3) × 0.9
        assert.match(one(cfg, "PostgresInstancesNotReady").expr, / < 1$/);
        assert.equal(one(cfg, "PostgresInstancesNotReady").labels.severity, "critical");
        assert.match(one(cfg, "PostgresBackupTooOld").expr, /server="kubekloud-api-postgres"\}/);
        assert.match(one(cfg, "PostgresBackupTooOld").expr, / > 97200\) or /);
        assert.match(
            one(cfg, "PostgresConnectionsNearMax").expr,
            /namespace="kubekloud-api", pod=~"kubekloud-api-postgres-\[0-9\]\+"\}\) >= 87$/,
        );
    });

    it("move with instances, schedule, max_connections and superuser_reserved_connections", () => {
        const cfg = apps((s) => {
            const pg = kubekloud(s).postgres;
            pg.instances = 3;
            pg.backup.schedule = "0 0 */6 * * *";
            pg.parameters = { max_connections: "200", superuser_reserved_connections: "5" };
        });
        assert.match(one(cfg, "PostgresInstancesNotReady").expr, / < 3$/);
        assert.match(one(cfg, "PostgresReplicaMissing").expr, / < 2$/);
        assert.match(one(cfg, "PostgresReplicaLagging").expr, / > 60$/);
        assert.match(one(cfg, "PostgresBackupTooOld").expr, / > 32400\) or /);
        // (200 − 5) × 0.9
        assert.match(one(cfg, "PostgresConnectionsNearMax").expr, / >= 175$/);
    });

    it("drop the backup rules without backups, and follow the in-tree switch", () => {
        const none = apps((s) => delete kubekloud(s).postgres.backup);
        assert.ok(!rules(none).some((r) => r.alert.startsWith("PostgresBackup")));
        const inTree = apps((s) => (s["platform:cnpg"].barmanCloudPlugin = { enabled: false }));
        assert.match(
            one(inTree, "PostgresBackupTooOld").expr,
            /^time\(\) - max by \(namespace\) \(cnpg_collector_last_available_backup_timestamp\{namespace="kubekloud-api"/,
        );
    });

    it("follow the restored cluster after a recovery's cut-over", () => {
        const cfg = apps((s) => {
            kubekloud(s).postgres.recovery = { name: "kubekloud-api-restore", cutOver: true };
        });
        assert.match(one(cfg, "PostgresBackupTooOld").expr, /server="kubekloud-api-restore"\}/);
        assert.match(
            one(cfg, "PostgresInstancesNotReady").expr,
            /pod=~"kubekloud-api-restore-\[0-9\]\+"/,
        );
    });

    it("are not built when switched off, nor without co-located clusters", () => {
        assert.deepEqual(
            buildPrometheusRules(
                apps((s) => (s["platform:monitoring"] = { alerts: { enabled: false } })),
            ),
            [],
        );
        assert.deepEqual(buildPrometheusRules(apps((s) => delete kubekloud(s).postgres)), []);
    });

    it("are rendered with the exporter and CNPG's PodMonitor on the apps stack", async () => {
        const run = new Run((await render({ stack: "apps" })).result);
        const rule = run.get(
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
            "cnpg-system/platform-alerts",
        );
        assert.ok(rule.dependencies.includes("kubernetes:core/v1:Namespace::cnpg-system"));
        const cluster = run.inputs(
            "kubernetes:postgresql.cnpg.io/v1:Cluster",
            "kubekloud-api-postgres",
        );
        assert.deepEqual((cluster.spec as Settings).monitoring, { enablePodMonitor: true });
        const role = run.get(
            "kubernetes:rbac.authorization.k8s.io/v1:Role",
            "kubekloud-api/platform-backup-metrics",
        );
        assert.ok(role.dependencies.includes("kubernetes:core/v1:Namespace::kubekloud-api"));
        const deployment = run.inputs(
            "kubernetes:apps/v1:Deployment",
            "cnpg-system/platform-backup-metrics",
        );
        const args = (deployment.spec as Settings).template.spec.containers[0].args as string[];
        assert.ok(args.includes("--namespaces=kubekloud-api"));
    });
});
