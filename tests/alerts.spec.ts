/**
 * Alerts as pure data: what buildPrometheusRules makes of the infra fixture config and of
 * changes to it. Metric names are those of CloudNativePG 1.26.1 (config/manager/default-monitoring.yaml,
 * pkg/management/postgres/webserver/metricserver/pg_collector.go,
 * pkg/management/pgbouncer/metricsserver/pools.go), Dragonfly v1.39.0
 * (src/server/server_family.cc) and Harbor v2.12.4 (src/pkg/exporter); the PromQL itself is run
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

function one(cfg: PlatformConfig, alert: string, tenant?: string): AlertRule {
    const found = rules(cfg).filter(
        (r) => r.alert === alert && (tenant === undefined || r.labels.tenant === tenant),
    );
    assert.equal(found.length, 1, `${alert}${tenant ? ` (${tenant})` : ""}: ${found.length} rules`);
    return found[0] as AlertRule;
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
            ],
        );
    });

    it("derives each threshold from the config and its budget", () => {
        // daily schedule 86400 s + 180 min grace
        // On the Barman Cloud plugin (shipped) only while CNPG reports a backup time: CNPG 1.26.1
        // pg_collector.go reports 0 for the empty status.lastSuccessfulBackup that plugin backups
        // leave (only pkg/management/postgres/backup.go, the in-tree path, calls UpdateBackupTimes).
        assert.match(
            one(cfg, "PostgresBackupTooOld").expr,
            / > 97200 and max by \(namespace\) \(cnpg_collector_last_available_backup_timestamp\{[^}]*\}\) > 0$/,
        );
        const inTree = infra((s) => (s["platform:cnpg"].barmanCloudPlugin = { enabled: false }));
        assert.match(one(inTree, "PostgresBackupTooOld").expr, /\) > 97200$/);
        assert.match(one(inTree, "PostgresLastBackupFailed").expr, /timestamp\{[^}]*\}\)$/);
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
        assert.match(expr, /pod=~"gitlab-pooler-\.\+"/);
        assert.match(expr, /user="gitlab_app"/);
    });

    it("links every alert to a README section that exists", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const headings = new Set(
            [...readme.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
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
            assert.ok(headings.has(anchor), `${r.alert}: README has no heading for #${anchor}`);
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
            buildAlertGroups(cfg).length,
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
        assert.match(one(cfg, "PostgresBackupTooOld").expr, / > 25200 and /);
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
});
