/**
 * Alerts as pure data: what buildPrometheusRules makes of the infra fixture config and of
 * changes to it. Metric names are those of CloudNativePG 1.30.0, as 1.26.1 (config/manager/default-monitoring.yaml,
 * pkg/management/postgres/webserver/metricserver/pg_collector.go,
 * pkg/management/pgbouncer/metricsserver/pools.go), Dragonfly v1.39.0
 * (src/server/server_family.cc) and Harbor v2.15.1 (src/pkg/exporter, unchanged since v2.12.4); the PromQL itself is run
 * by promtool in `npm run test:rules` (tests/promtool/cases.ts).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig, type PlatformConfig } from "../components/config";
import { scheduleMaxIntervalSeconds } from "../components/monitoring/interval";
import {
    buildAlertGroups,
    buildPrometheusRules,
    type AlertRule,
} from "../components/monitoring/rules";
import { caseInsensitive, checkManifests } from "../scripts/check-crds";
import { fixtureInfraRun, PROJECT_DIR, fixtureSettings, toConfigMap } from "./mocks";

function infra(change: (s: Record<string, any>) => void = () => undefined): PlatformConfig {
    const settings = structuredClone(fixtureSettings("infra")) as Record<string, any>;
    change(settings);
    return parseConfig(toConfigMap(settings));
}

function rules(cfg: PlatformConfig): AlertRule[] {
    return buildAlertGroups(cfg).flatMap((g) => g.rules);
}

function one(cfg: PlatformConfig, alert: string, tenant?: string, pooler?: string): AlertRule {
    const found = rules(cfg).filter(
        (r) =>
            r.alert === alert &&
            (tenant === undefined || r.labels.tenant === tenant) &&
            (pooler === undefined || r.labels.pooler === pooler),
    );
    assert.equal(found.length, 1, `${alert}${tenant ? ` (${tenant})` : ""}: ${found.length} rules`);
    return found[0] as AlertRule;
}

/** The `pod=~"…"` matcher of an expression as the anchored regex Prometheus runs (RE2, fully anchored). */
function podRegex(expr: string): RegExp {
    const m = /pod=~"((?:[^"\\]|\\.)*)"/.exec(expr);
    assert.ok(m?.[1], expr);
    return new RegExp(`^(?:${m[1].replace(/\\\\/g, "\\")})$`);
}

describe("backup schedule interval", () => {
    const cases: [string, number][] = [
        ["0 0 2 * * *", 86400],
        ["0 0 */6 * * *", 21600],
        ["0 0 1,13 * * *", 12 * 3600],
        ["0 0 1,5 * * *", 20 * 3600],
        ["0 30 1 * * 0", 7 * 86400],
        ["0 0 2 * * 1-5", 3 * 86400],
        ["0 0 2 * * mon,thu", 4 * 86400],
        ["@daily", 86400],
        ["@every 12h", 43200],
        ["0 0 2 1 * *", 31 * 86400],
    ];
    for (const [schedule, seconds] of cases) {
        it(`"${schedule}" → at most ${seconds} s between runs`, () => {
            assert.equal(scheduleMaxIntervalSeconds(schedule), seconds);
        });
    }
});

describe("alerts from the infra fixture config", () => {
    const cfg = infra();

    it("is one PrometheusRule platform-alerts in cnpg-system with all the groups", () => {
        const objs = buildPrometheusRules(cfg);
        assert.deepEqual(
            objs.map((o) => [o.namespace, o.name]),
            [["cnpg-system", "platform-alerts"]],
        );
        assert.deepEqual(
            objs[0]?.spec.groups.map((g) => g.name),
            [
                "shared-postgres-backups",
                "shared-postgres-replication",
                "shared-postgres-connections",
                "dragonfly-dragonfly",
                "harbor",
                // The operator's webhooks (components/monitoring/webhook-rules.ts), on both stacks.
                "cnpg-operator",
            ],
        );
    });

    it("derives each threshold from the config and its budget", () => {
        // daily schedule 86400 s + 180 min grace. On the Barman Cloud plugin (shipped) from the
        // ObjectStore through the backup-metrics exporter or the plugin's own gauge, never from
        // CNPG 1.30.0's (as 1.26.1's) collector gauge, which stays 0 for plugin backups (only the in-tree
        // pkg/management/postgres/backup.go calls UpdateBackupTimes).
        const tooOld = one(cfg, "PostgresBackupTooOld").expr;
        assert.equal(tooOld.match(/ > 97200\b/g)?.length, 2);
        assert.match(
            tooOld,
            /kube_customresource_barmancloud_objectstore_last_successful_backup_time\{namespace="cnpg-system", objectstore="shared-postgres-backups", server="shared-postgres"\} or \(barman_cloud_cloudnative_pg_io_last_available_backup_timestamp\{[^}]*\} > 0\)/,
        );
        assert.doesNotMatch(tooOld, /cnpg_collector/);
        assert.match(
            one(cfg, "PostgresLastBackupFailed").expr,
            /^max by \(namespace\) \(kube_customresource_cnpg_cluster_condition\{namespace="cnpg-system", cnpg_cluster="shared-postgres", type="LastBackupSucceeded", reason="LastBackupFailed"\} == 0\) or /,
        );
        const inTree = infra((s) => (s["platform:cnpg"].barmanCloudPlugin = { enabled: false }));
        assert.match(
            one(inTree, "PostgresBackupTooOld").expr,
            /^time\(\) - max by \(namespace\) \(cnpg_collector_last_available_backup_timestamp\{[^}]*\}\) > 97200$/,
        );
        assert.match(one(inTree, "PostgresLastBackupFailed").expr, /timestamp\{[^}]*\}\)$/);
        assert.ok(!rules(inTree).some((r) => r.alert === "PostgresBackupMetricsMissing"));
        // connectionLimit 90 / 60 / 30 × 0.9
        assert.match(
            one(cfg, "PostgresRoleConnectionsNearLimit", "harbor").expr,
            /usename="harbor_app"\}\) >= 81$/,
        );
        assert.match(
            one(cfg, "PostgresRoleConnectionsNearLimit", "gitlab").expr,
            /usename="gitlab_app"\}\) >= 54$/,
        );
        assert.match(one(cfg, "PostgresRoleConnectionsNearLimit", "keycloak").expr, / >= 27$/);
        // (400 max_connections − 3 superuser_reserved) × 0.9
        assert.match(one(cfg, "PostgresConnectionsNearMax").expr, / >= 357$/);
        // pool size = default_pool_size + reserve_pool_size of each tenant's pooler
        assert.match(one(cfg, "PgBouncerPoolAtSize", "harbor").expr, / >= 30$/);
        assert.match(one(cfg, "PgBouncerPoolAtSize", "gitlab").expr, / >= 20$/);
        assert.match(one(cfg, "PgBouncerPoolAtSize", "keycloak").expr, / >= 15$/);
        assert.match(one(cfg, "PgBouncerDown", "keycloak").expr, / < 2$/);
        assert.match(one(cfg, "PostgresInstancesNotReady").expr, / < 3$/);
        assert.match(one(cfg, "PostgresReplicaMissing").expr, / < 2$/);
        // 1536Mi × 0.9
        assert.match(one(cfg, "DragonflyMemoryNearLimit").expr, / > 1449551462$/);
    });

    it("selects each tenant's own pool and role", () => {
        const expr = one(cfg, "PgBouncerClientsWaiting", "gitlab").expr;
        assert.match(expr, /pod=~"gitlab-pooler-\[a-z0-9\]\+-\[a-z0-9\]\+"/);
        assert.match(expr, /user="gitlab_app"/);
    });

    describe("with a session pooler beside gitlab's", () => {
        const session = infra((s) => {
            const t = s["platform:tenants"].find((x: any) => x.name === "gitlab");
            t.connectionLimit = 65;
            t.pooler.session = { instances: 1, defaultPoolSize: 5 };
        });

        it("watches every pooler of the topology, each under its own pooler label", () => {
            for (const alert of [
                "PgBouncerDown",
                "PgBouncerClientsWaiting",
                "PgBouncerPoolAtSize",
            ]) {
                assert.deepEqual(
                    rules(session)
                        .filter((r) => r.alert === alert)
                        .map((r) => [r.labels.tenant, r.labels.pooler]),
                    [
                        ["harbor", "harbor-pooler"],
                        ["gitlab", "gitlab-pooler"],
                        ["gitlab", "gitlab-session-pooler"],
                        ["keycloak", "keycloak-pooler"],
                    ],
                    alert,
                );
            }
        });

        it("compares the session pooler with its own instances and pool size", () => {
            const down = one(session, "PgBouncerDown", "gitlab", "gitlab-session-pooler");
            assert.match(down.expr, / < 1$/);
            assert.match(down.annotations.description, /tenants\[\]\.pooler\.session\.instances/);
            const full = one(session, "PgBouncerPoolAtSize", "gitlab", "gitlab-session-pooler");
            assert.match(full.expr, / >= 5$/);
            assert.match(full.expr, /user="gitlab_app"/);
            // The transaction pooler keeps its own: 3 instances, 20 + 0.
            assert.match(one(session, "PgBouncerDown", "gitlab", "gitlab-pooler").expr, / < 3$/);
            assert.match(
                one(session, "PgBouncerPoolAtSize", "gitlab", "gitlab-pooler").expr,
                / >= 20$/,
            );
        });

        it("selects each pooler's pods and no other pooler's", () => {
            // Deployment pods: <pooler>-<pod-template-hash>-<suffix>.
            const pods = {
                "gitlab-pooler": ["gitlab-pooler-7c9f8d6b5-x2b4q", "gitlab-pooler-5d8f-a"],
                "gitlab-session-pooler": ["gitlab-session-pooler-6d5fb7c48-k8z2m"],
                // A tenant named gitlab-pooler-x would run gitlab-pooler-x-pooler.
                "gitlab-pooler-x-pooler": ["gitlab-pooler-x-pooler-6b9d4c7f8-q2w7z"],
                "harbor-pooler": ["harbor-pooler-5d8f-a"],
            };
            for (const pooler of ["gitlab-pooler", "gitlab-session-pooler"]) {
                for (const alert of [
                    "PgBouncerDown",
                    "PgBouncerClientsWaiting",
                    "PgBouncerPoolAtSize",
                ]) {
                    const regex = podRegex(one(session, alert, "gitlab", pooler).expr);
                    for (const [owner, names] of Object.entries(pods)) {
                        for (const name of names) {
                            assert.equal(
                                regex.test(name),
                                owner === pooler,
                                `${alert} of ${pooler} on ${name}`,
                            );
                        }
                    }
                }
            }
        });
    });

    it("links every alert to a runbook section of docs/alerts.md that exists", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "docs", "alerts.md"), "utf8");
        const headings = new Set(
            [...readme.matchAll(/^#{1,4} (.+)$/gm)].map((m) =>
                (m[1] ?? "")
                    .trim()
                    .toLowerCase()
                    .replace(/[^a-z0-9 -]/g, "")
                    .replace(/ /g, "-"),
            ),
        );
        for (const r of rules(cfg)) {
            const anchor = r.annotations.runbook_url.split("#")[1] ?? "";
            assert.ok(
                r.annotations.runbook_url.startsWith(cfg.monitoring.alerts.runbookBaseUrl),
                r.alert,
            );
            assert.ok(
                headings.has(anchor),
                `${r.alert}: docs/alerts.md has no heading for #${anchor}`,
            );
        }
    });

    it("is rendered as a PrometheusRule on the infra stack", async () => {
        const run = await fixtureInfraRun();
        const rule = run.inputs(
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
            "cnpg-system/platform-alerts",
        );
        assert.equal((rule.metadata as { namespace: string }).namespace, "cnpg-system");
        assert.equal(
            (rule.spec as { groups: unknown[] }).groups.length,
            buildPrometheusRules(cfg)[0]?.spec.groups.length,
        );
    });
});

describe("alerts follow config changes", () => {
    it("move with a raised connectionLimit and pool size", () => {
        const cfg = infra((s) => {
            const t = s["platform:tenants"][0];
            t.connectionLimit = 120;
            t.pooler.parameters.default_pool_size = "40";
            s["platform:postgres"].maxConnections = 450;
        });
        assert.match(one(cfg, "PostgresRoleConnectionsNearLimit", "harbor").expr, / >= 108$/);
        assert.match(one(cfg, "PgBouncerPoolAtSize", "harbor").expr, / >= 40$/);
        assert.match(one(cfg, "PostgresConnectionsNearMax").expr, / >= 402$/);
    });

    it("move with the backup schedule and the ratios", () => {
        const cfg = infra((s) => {
            s["platform:postgres"].backup.schedule = "0 0 */6 * * *";
            s["platform:monitoring"] = { alerts: { backupGraceMinutes: 60, connectionRatio: 0.8 } };
        });
        assert.match(one(cfg, "PostgresBackupTooOld").expr, / > 25200\) or /);
        assert.match(one(cfg, "PostgresRoleConnectionsNearLimit", "harbor").expr, / >= 72$/);
    });

    it("drop replica rules for a single instance and backup rules without backups", () => {
        const cfg = infra((s) => {
            s["platform:postgres"].instances = 1;
            delete s["platform:postgres"].backup;
        });
        const names = rules(cfg).map((r) => r.alert);
        for (const gone of [
            "PostgresReplicaLagging",
            "PostgresReplicaMissing",
            "PostgresBackupTooOld",
        ]) {
            assert.ok(!names.includes(gone), gone);
        }
        assert.equal(one(cfg, "PostgresInstancesNotReady").labels.severity, "critical");
    });

    it("read only the plugin's own gauges (CNPG ≥ 1.27) with the backup exporter off", () => {
        const cfg = infra((s) => {
            s["platform:monitoring"] = { alerts: { backupExporter: { enabled: false } } };
        });
        assert.equal(
            one(cfg, "PostgresBackupTooOld").expr,
            '(time() - max by (namespace) ((barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{namespace="cnpg-system", pod=~"shared-postgres-[0-9]+"} > 0)) > 97200)',
        );
        assert.doesNotMatch(one(cfg, "PostgresLastBackupFailed").expr, /kube_customresource/);
        assert.ok(!rules(cfg).some((r) => r.alert === "PostgresBackupMetricsMissing"));
    });

    it("follow the restored cluster after a recovery's cut-over, not during a drill", () => {
        const recover = (cutOver: boolean) =>
            infra((s) => {
                s["platform:postgres"].recovery = {
                    name: "shared-postgres-restore",
                    instances: 2,
                    serverName: "shared-postgres-restore-1",
                    cutOver,
                };
            });
        const over = recover(true);
        const tooOld = one(over, "PostgresBackupTooOld").expr;
        assert.match(
            tooOld,
            /objectstore="shared-postgres-backups", server="shared-postgres-restore-1"\}/,
        );
        assert.match(tooOld, /pod=~"shared-postgres-restore-\[0-9\]\+"/);
        assert.match(
            one(over, "PostgresInstancesNotReady").expr,
            /pod=~"shared-postgres-restore-\[0-9\]\+"\} == 1\) or vector\(0\)\) < 2$/,
        );
        assert.match(
            one(over, "PostgresRoleConnectionsNearLimit", "harbor").expr,
            /pod=~"shared-postgres-restore-\[0-9\]\+", usename="harbor_app"/,
        );
        const drill = recover(false);
        assert.match(one(drill, "PostgresBackupTooOld").expr, /server="shared-postgres"\}/);
        assert.match(one(drill, "PostgresInstancesNotReady").expr, / < 3$/);
    });

    it("drop Harbor's rules when its metrics are off", () => {
        const cfg = infra((s) => {
            s["platform:harbor"].metrics = { enabled: false };
        });
        assert.ok(!rules(cfg).some((r) => r.alert.startsWith("Harbor")));
    });

    it("are not built when switched off", () => {
        const cfg = infra((s) => {
            s["platform:monitoring"] = { alerts: { enabled: false } };
        });
        assert.deepEqual(buildPrometheusRules(cfg), []);
    });

    it("go to the configured namespace with the configured labels", () => {
        const cfg = infra((s) => {
            s["platform:monitoring"] = {
                alerts: { namespace: "monitoring", labels: { release: "kube-prometheus-stack" } },
            };
        });
        const [obj] = buildPrometheusRules(cfg);
        assert.equal(obj?.namespace, "monitoring");
        assert.deepEqual(obj?.labels, { release: "kube-prometheus-stack" });
    });

    it("refuse a ratio outside 0.5 to 1", () => {
        assert.throws(
            () => infra((s) => (s["platform:monitoring"] = { alerts: { connectionRatio: 1.5 } })),
            /platform:monitoring\.alerts\.connectionRatio = 1\.5: must be a number between 0\.5 and 1/,
        );
    });
});

describe("CRD check of the PrometheusRule", () => {
    it("reads prometheus-operator's Go (?i) pattern as a case-insensitive one", () => {
        // prometheus-operator v0.82.2 monitoring.coreos.com_prometheusrules.yaml: spec.groups[].partial_response_strategy
        const re = new RegExp(caseInsensitive("^(?i)(abort|warn)?$") ?? "");
        assert.ok(re.test("Abort") && re.test("warn") && re.test(""));
        assert.ok(!re.test("ignore"));
    });

    it("fails a rendered PrometheusRule when its CRD is not loaded", () => {
        const manifest =
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r, namespace: n}\nspec: {groups: []}\n";
        assert.deepEqual(checkManifests(manifest, new Map()).errors, [
            "PrometheusRule n/r: no CRD schema for monitoring.coreos.com/v1|PrometheusRule loaded",
        ]);
    });

    it("lists a ServiceMonitor as unchecked without its CRD, and fails another unknown kind of the group", () => {
        const doc = (kind: string) =>
            `apiVersion: monitoring.coreos.com/v1\nkind: ${kind}\nmetadata: {name: x, namespace: n}\nspec: {}\n`;
        const rule = { type: "object", properties: { spec: { type: "object" } } };
        const schemas = new Map([["monitoring.coreos.com/v1|PrometheusRule", rule]]);
        const result = checkManifests(`${doc("ServiceMonitor")}---\n${doc("PodMonitor")}`, schemas);
        assert.deepEqual(result.unchecked, ["ServiceMonitor n/x"]);
        assert.deepEqual(result.errors, [
            "PodMonitor n/x: no CRD for monitoring.coreos.com/v1 PodMonitor",
        ]);
    });
});
