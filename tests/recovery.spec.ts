/**
 * Restore and point-in-time recovery as config (`postgres.recovery`, an application's
 * `postgres.recovery`), and examples/restore-drill.yaml (an overlay on Pulumi.infra.yaml).
 *
 * Upstream read for these pins:
 * - cloudnative-pg/cloudnative-pg v1.30.0 (as v1.26.1 but where noted) internal/webhook/v1/cluster_webhook.go:
 *   validateRecoveryTarget ("Recovery target options are mutually exclusive", targetTime parsed by
 *   machinery v0.3.0 pkg/types ParseTargetTime, "Invalid TargetLSN", "BackupID is missing" for
 *   targetName/targetXID/targetImmediate; new at v1.30.0: "recovery target name must be shorter
 *   than 64 bytes" and "must not contain ASCII control characters"), validateBootstrapRecoverySource (the source must be an
 *   external cluster with barmanObjectStore or plugin), validatePluginConfiguration;
 *   config/crd/bases/postgresql.cnpg.io_clusters.yaml (bootstrap.recovery, recoveryTarget,
 *   externalClusters[].plugin / .barmanObjectStore, backup.barmanObjectStore.serverName);
 *   internal/controller/cluster_create.go reconcileManagedServices (a managed Service that
 *   leaves a cluster's spec is deleted; one owned by another cluster is not taken over);
 * - cloudnative-pg/plugin-barman-cloud v0.13.0 web/docs/usage.md "Restoring a Cluster"
 *   (externalClusters[].plugin.parameters {barmanObjectName, serverName}; spec.plugins for the
 *   restored cluster's own archive) and internal/cnpgi/operator/config/config.go (the archive's
 *   serverName defaults to the Cluster's name, the recovery source's to the Cluster's name too).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { parseConfig, type PlatformConfig } from "../components/config";
import {
    buildColocatedRecoveredClusterSpec,
    colocatedServingCluster,
} from "../components/apps/spec";
import { buildClusterSpec, buildRecoveredClusterSpec } from "../components/postgres/spec";
import { findLeaks, loadStackConfig, render, type RenderedFiles } from "../scripts/render";
import {
    committedSettings,
    configProblems,
    PROJECT_DIR,
    runStack,
    fixtureSettings,
    toConfigMap,
    type Run,
} from "./mocks";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const SQL_PROVIDER = "pulumi:providers:postgresql";
const ref = (type: string, name: string) => `${type}::${name}`;

type Settings = Record<string, any>;

const EXAMPLE = path.join(PROJECT_DIR, "examples", "restore-drill.yaml");
const STACK = path.join(PROJECT_DIR, "Pulumi.infra.yaml");

/** bootstrap.recovery fields of the CNPG 1.30.0 Cluster CRD (as 1.26.1). */
const RECOVERY_FIELDS = [
    "backup", "database", "owner", "recoveryTarget", "secret", "source", "volumeSnapshots",
]; // prettier-ignore
/** bootstrap.recovery.recoveryTarget fields of the CNPG 1.30.0 Cluster CRD (as 1.26.1). */
const RECOVERY_TARGET_FIELDS = [
    "backupID", "exclusive", "targetImmediate", "targetLSN", "targetName", "targetTLI",
    "targetTime", "targetXID",
]; // prettier-ignore
/** externalClusters[] fields of the CNPG 1.30.0 Cluster CRD (as 1.26.1). */
const EXTERNAL_CLUSTER_FIELDS = [
    "barmanObjectStore", "connectionParameters", "name", "password", "plugin", "sslCert",
    "sslKey", "sslRootCert",
]; // prettier-ignore

function infraWithRecovery(recovery: Settings, edit?: (s: Settings) => void): Settings {
    const s = structuredClone(fixtureSettings("infra")) as Settings;
    // With the admin LoadBalancer on (the committed stack uses a port-forward), so the specs see
    // where it goes on a drill and on a cut-over.
    s["platform:postgres"].adminService.enabled = true;
    s["platform:postgres"].adminService.sourceRanges = ["10.25.11.40/29"];
    s["platform:postgres"].recovery = recovery;
    edit?.(s);
    return s;
}

const problemsOf = (raw: Record<string, string>): string[] =>
    configProblems(raw).map((p) => `- ${p}`);

const cfgOf = (s: Settings): PlatformConfig => parseConfig(toConfigMap(s));

describe("recovery", () => {
    describe("builders", () => {
        // Asked to back up, as a drill may be and a cut-over is by default.
        const cfg = cfgOf(
            infraWithRecovery({
                name: "shared-postgres-r1",
                target: { time: "2026-11-30T14:00:00Z" },
                backups: true,
            }),
        );
        const pg = cfg.postgres!;

        it("bootstraps the new cluster from the plugin's ObjectStore at the time, archiving under its own name", () => {
            const spec = buildRecoveredClusterSpec(pg, cfg.tenants, true) as Settings;
            assert.deepEqual(spec.bootstrap, {
                recovery: {
                    source: "origin",
                    recoveryTarget: { targetTime: "2026-11-30T14:00:00Z" },
                },
            });
            assert.deepEqual(spec.externalClusters, [
                {
                    name: "origin",
                    plugin: {
                        name: "barman-cloud.cloudnative-pg.io",
                        parameters: {
                            barmanObjectName: "shared-postgres-backups",
                            serverName: "shared-postgres",
                        },
                    },
                },
            ]);
            assert.deepEqual(spec.plugins, [
                {
                    name: "barman-cloud.cloudnative-pg.io",
                    isWALArchiver: true,
                    parameters: {
                        barmanObjectName: "shared-postgres-backups",
                        serverName: "shared-postgres-r1",
                    },
                },
            ]);
            for (const k of Object.keys(spec.bootstrap.recovery)) {
                assert.ok(RECOVERY_FIELDS.includes(k), k);
            }
            for (const k of Object.keys(spec.bootstrap.recovery.recoveryTarget)) {
                assert.ok(RECOVERY_TARGET_FIELDS.includes(k), k);
            }
            for (const k of Object.keys(spec.externalClusters[0] as Settings)) {
                assert.ok(EXTERNAL_CLUSTER_FIELDS.includes(k), k);
            }
            // A drill: the admin LoadBalancer (one name, one IP) stays with the current cluster.
            assert.equal(spec.managed, undefined);
            assert.ok(buildClusterSpec(pg, cfg.tenants, { plugin: true }).managed);
            assert.equal(spec.superuserSecret.name, "shared-postgres-superuser");
        });

        it("reads and archives in-tree behind the switch, with serverName on both sides", () => {
            const spec = buildRecoveredClusterSpec(pg, cfg.tenants, false) as Settings;
            const source = spec.externalClusters[0];
            assert.equal(source.name, "origin");
            assert.equal(source.plugin, undefined);
            assert.equal(source.barmanObjectStore.serverName, "shared-postgres");
            assert.equal(
                source.barmanObjectStore.destinationPath,
                "s3://monosense-cnpg/shared-postgres",
            );
            assert.deepEqual(source.barmanObjectStore.s3Credentials.accessKeyId, {
                name: "shared-postgres-backup-s3",
                key: "ACCESS_KEY_ID",
            });
            assert.equal(spec.backup.barmanObjectStore.serverName, "shared-postgres-r1");
            assert.equal(spec.plugins, undefined);
        });

        it("maps latest, LSN and named restore point targets to CNPG's fields", () => {
            const targetOf = (target: Settings) =>
                (
                    buildRecoveredClusterSpec(
                        cfgOf(infraWithRecovery({ name: "shared-postgres-r1", target })).postgres!,
                        [],
                        true,
                    ) as Settings
                ).bootstrap.recovery.recoveryTarget;
            assert.equal(targetOf({}), undefined);
            assert.equal(targetOf({ latest: true }), undefined);
            assert.deepEqual(targetOf({ lsn: "0/3000060", exclusive: true }), {
                targetLSN: "0/3000060",
                exclusive: true,
            });
            assert.deepEqual(
                targetOf({ restorePoint: "before-upgrade", backupID: "20261130T020000" }),
                { targetName: "before-upgrade", backupID: "20261130T020000" },
            );
        });

        it("moves the admin LoadBalancer to the restored cluster on cut-over", () => {
            const cut = cfgOf(infraWithRecovery({ name: "shared-postgres-r1", cutOver: true }));
            const restored = buildRecoveredClusterSpec(
                cut.postgres!,
                cut.tenants,
                true,
            ) as Settings;
            assert.equal(
                restored.managed.services.additional[0].serviceTemplate.metadata.name,
                "shared-postgres-admin",
            );
            const current = buildClusterSpec(cut.postgres!, cut.tenants, {
                plugin: true,
                adminService: false,
            });
            assert.equal(current.managed, undefined);
        });

        it("restores a co-located cluster with its owner's credentials, archiving under the new name", () => {
            const s = structuredClone(fixtureSettings("apps")) as Settings;
            const app = (s["platform:applications"] as Settings[]).find(
                (a) => a.name === "kubekloud-api",
            )!;
            app.postgres.recovery = {
                name: "kubekloud-api-restore",
                target: { lsn: "0/5000028" },
                backups: true,
            };
            const apps = cfgOf(s);
            const a = apps.applications.find((x) => x.name === "kubekloud-api")!;
            const spec = buildColocatedRecoveredClusterSpec(a, true) as Settings;
            assert.deepEqual(spec.bootstrap, {
                recovery: {
                    source: "origin",
                    database: "kubekloud",
                    owner: "kubekloud",
                    secret: { name: "kubekloud-api-postgres-credentials" },
                    recoveryTarget: { targetLSN: "0/5000028" },
                },
            });
            assert.deepEqual(spec.externalClusters[0].plugin.parameters, {
                barmanObjectName: "kubekloud-api-postgres-backups",
                serverName: "kubekloud-api-postgres",
            });
            assert.equal(spec.plugins[0].parameters.serverName, "kubekloud-api-restore");
            assert.equal(colocatedServingCluster(a), "kubekloud-api-postgres");
            app.postgres.recovery.cutOver = true;
            const cut = cfgOf(s).applications.find((x) => x.name === "kubekloud-api")!;
            assert.equal(colocatedServingCluster(cut), "kubekloud-api-restore");
        });
    });

    describe("config", () => {
        const cases: [string, Settings, string[]][] = [
            [
                "over the cluster itself",
                { name: "shared-postgres" },
                [
                    '- platform:postgres.recovery.name = "shared-postgres": is the cluster this stack already manages: recovery always creates a new cluster. CloudNativePG reads bootstrap only when it creates a cluster, so on the existing "shared-postgres" it would restore nothing, and the restored cluster would archive over the backups it came from. Choose a new name (e.g. "shared-postgres-restore")',
                    '- platform:postgres.recovery.serverName = "shared-postgres": is the server name the backups are read from (s3://monosense-cnpg/shared-postgres): the restored cluster must archive under a new server name so it never overwrites them',
                ],
            ],
            [
                "named like the source server",
                { name: "old-postgres", source: { serverName: "old-postgres" } },
                [
                    '- platform:postgres.recovery.name = "old-postgres": is the source\'s server name: the restored cluster would archive over the backups it came from. Choose a new name',
                    '- platform:postgres.recovery.serverName = "old-postgres": is the server name the backups are read from (s3://monosense-cnpg/shared-postgres): the restored cluster must archive under a new server name so it never overwrites them',
                ],
            ],
            [
                "archiving under the source's server name",
                { name: "shared-postgres-r1", serverName: "shared-postgres" },
                [
                    '- platform:postgres.recovery.serverName = "shared-postgres": is the server name the backups are read from (s3://monosense-cnpg/shared-postgres): the restored cluster must archive under a new server name so it never overwrites them',
                ],
            ],
            [
                "two targets",
                {
                    name: "shared-postgres-r1",
                    target: { time: "2026-11-30T14:00:00Z", lsn: "0/3000060" },
                },
                [
                    '- platform:postgres.recovery.target = {"time":"2026-11-30T14:00:00Z","lsn":"0/3000060"}: sets time and lsn: CloudNativePG\'s recovery target options are mutually exclusive; set one of latest, time, lsn, restorePoint',
                ],
            ],
            [
                "a restore point without backupID",
                { name: "shared-postgres-r1", target: { restorePoint: "before-upgrade" } },
                [
                    "- platform:postgres.recovery.target.backupID: is required with restorePoint: CloudNativePG can pick the base backup itself only for time-based recovery (webhook: 'BackupID is missing'); name the last backup taken before the restore point",
                ],
            ],
            [
                "a restore point of 64 bytes",
                {
                    name: "shared-postgres-r1",
                    target: { restorePoint: "p".repeat(64), backupID: "20261130T020000" },
                },
                [
                    `- platform:postgres.recovery.target.restorePoint = "${"p".repeat(64)}": is 64 bytes: CloudNativePG refuses a recovery target name of 64 bytes or more (webhook: 'recovery target name must be shorter than 64 bytes', PostgreSQL's MAXFNAMELEN, which pg_create_restore_point enforces too)`,
                ],
            ],
            [
                "a restore point with a control character",
                {
                    name: "shared-postgres-r1",
                    target: { restorePoint: "before\tupgrade", backupID: "20261130T020000" },
                },
                [
                    "- platform:postgres.recovery.target.restorePoint = \"before\\tupgrade\": contains an ASCII control character: CloudNativePG refuses it in a recovery target name (webhook: 'recovery target name must not contain ASCII control characters')",
                ],
            ],
            [
                "a time without offset",
                { name: "shared-postgres-r1", target: { time: "2026-11-30 14:00:00" } },
                [
                    '- platform:postgres.recovery.target.time = "2026-11-30 14:00:00": must be a timestamp with an explicit offset, such as "2026-11-30T14:00:00Z" or "2026-11-30 15:00:00+01:00"',
                ],
            ],
            [
                "a bad LSN",
                { name: "shared-postgres-r1", target: { lsn: "3000060" } },
                [
                    '- platform:postgres.recovery.target.lsn = "3000060": must be an LSN such as "0/3000060"',
                ],
            ],
        ];
        for (const [what, recovery, expected] of cases) {
            it(`refuses a recovery ${what}`, () => {
                assert.deepEqual(problemsOf(toConfigMap(infraWithRecovery(recovery))), expected);
            });
        }

        it("refuses a recovery without backups to read and archive to", () => {
            assert.deepEqual(
                problemsOf(
                    toConfigMap(
                        infraWithRecovery({ name: "shared-postgres-r1" }, (s) => {
                            delete s["platform:postgres"].backup;
                        }),
                    ),
                ),
                [
                    "- platform:postgres.recovery: needs postgres.backup: the source defaults to its destination and the restored cluster archives there",
                ],
            );
        });

        it("refuses a co-located recovery over the application's cluster", () => {
            const s = structuredClone(fixtureSettings("apps")) as Settings;
            const app = (s["platform:applications"] as Settings[]).find(
                (a) => a.name === "kubekloud-api",
            )!;
            app.postgres.recovery = { name: "kubekloud-api-postgres" };
            assert.equal(
                problemsOf(toConfigMap(s))[0],
                '- platform:applications[2].postgres.recovery.name = "kubekloud-api-postgres": is the cluster this stack already manages: recovery always creates a new cluster. CloudNativePG reads bootstrap only when it creates a cluster, so on the existing "kubekloud-api-postgres" it would restore nothing, and the restored cluster would archive over the backups it came from. Choose a new name (e.g. "kubekloud-api-postgres-restore")',
            );
        });

        it("accepts the same server name in another bucket", () => {
            assert.deepEqual(
                problemsOf(
                    toConfigMap(
                        infraWithRecovery({
                            name: "shared-postgres-r1",
                            serverName: "shared-postgres",
                            source: { destinationPath: "s3://old-bucket/shared-postgres" },
                        }),
                    ),
                ),
                [],
            );
        });
    });

    describe("wiring", () => {
        let warnings: string[];
        const original = pulumi.log.warn;
        async function runWithWarnings(s: Settings): Promise<Run> {
            warnings = [];
            (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (msg: string) => {
                warnings.push(msg);
                return Promise.resolve();
            };
            try {
                return await runStack("infra", toConfigMap(s));
            } finally {
                (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
            }
        }

        let run: Run;
        it("moves the poolers, the SQL provider and the outputs to the restored cluster on cut-over", async () => {
            run = await runWithWarnings(
                infraWithRecovery({
                    name: "shared-postgres-r1",
                    cutOver: true,
                    // The source in another bucket, read with its own credentials (next case).
                    source: {
                        destinationPath: "s3://old-bucket/shared-postgres",
                        credentials: { item: "cloudnative-pg/old-minio" },
                    },
                }),
            );
            for (const pooler of run.all(POOLER)) {
                const spec = run.inputs(POOLER, pooler.name).spec as Settings;
                assert.equal(spec.cluster.name, "shared-postgres-r1", pooler.name);
                assert.ok(pooler.dependencies.includes(ref(CLUSTER, "shared-postgres-r1")));
            }
            const provider = run.get(SQL_PROVIDER, "shared-postgres");
            assert.ok(provider.dependencies.includes(ref(CLUSTER, "shared-postgres-r1")));
            const current = run.inputs(CLUSTER, "shared-postgres").spec as Settings;
            assert.equal(current.managed, undefined);
            const restored = run.inputs(CLUSTER, "shared-postgres-r1").spec as Settings;
            assert.equal(
                restored.managed.services.additional[0].serviceTemplate.metadata.name,
                "shared-postgres-admin",
            );
            // The serving cluster backs up by default: WAL archive and its daily base backup.
            assert.equal(restored.plugins[0].parameters.serverName, "shared-postgres-r1");
            assert.deepEqual(
                run
                    .all(SCHEDULED)
                    .map((r) => (run.inputs(SCHEDULED, r.name).spec as Settings).cluster.name),
                ["shared-postgres", "shared-postgres-r1"],
            );
            // The old cluster stays, protected, for the rollback.
            assert.equal(run.get(CLUSTER, "shared-postgres").protect, true);
            assert.equal((run.outputs.postgres as Settings).cluster, "shared-postgres-r1");
            assert.match(
                warnings[0] ?? "",
                /annotate cluster shared-postgres cnpg\.io\/hibernation=on/,
            );
        });

        it("reads a source in another bucket through its own ObjectStore and credentials, without retention", () => {
            const store = run.inputs(OBJECT_STORE, "shared-postgres-r1-source").spec as Settings;
            assert.equal(store.retentionPolicy, undefined);
            assert.equal(store.configuration.destinationPath, "s3://old-bucket/shared-postgres");
            assert.equal(
                store.configuration.s3Credentials.accessKeyId.name,
                "shared-postgres-r1-source-s3",
            );
            assert.ok(run.has(SECRET, "shared-postgres-r1-source-s3"));
            const titles = run.result.invocations
                .filter((i) => i.token === "onepassword:index/getItem:getItem")
                .map((i) => i.inputs.title);
            assert.ok(titles.includes("kubernetes/infra/cloudnative-pg/old-minio"));
            const restored = run.inputs(CLUSTER, "shared-postgres-r1").spec as Settings;
            assert.equal(
                restored.externalClusters[0].plugin.parameters.barmanObjectName,
                "shared-postgres-r1-source",
            );
        });
    });

    describe("co-located wiring", () => {
        it("restores kubekloud-api's cluster beside it and moves the connection details on cut-over", async () => {
            const s = structuredClone(fixtureSettings("apps")) as Settings;
            const app = (s["platform:applications"] as Settings[]).find(
                (a) => a.name === "kubekloud-api",
            )!;
            app.postgres.recovery = { name: "kubekloud-api-restore", cutOver: true };
            // Only the co-located application: no infra tenants needed.
            s["platform:applications"] = [app];
            const original = pulumi.log.warn;
            const warnings: string[] = [];
            (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (msg: string) => {
                warnings.push(msg);
                return Promise.resolve();
            };
            let run: Run;
            try {
                run = await runStack("apps", toConfigMap(s), {
                    "organization/platform/infra": { role: "infra", tenants: {} },
                });
            } finally {
                (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
            }
            const restored = run.get(CLUSTER, "kubekloud-api-restore");
            assert.equal(restored.protect, true);
            assert.equal(restored.parent, "platform:apps:ColocatedCluster::kubekloud-api");
            assert.ok(
                restored.dependencies.includes(ref(OBJECT_STORE, "kubekloud-api-postgres-backups")),
            );
            assert.equal(run.get(CLUSTER, "kubekloud-api-postgres").protect, true);
            const conn = run.inputs(SECRET, "kubekloud-api-database").stringData as Settings;
            assert.equal(conn.host, "kubekloud-api-restore-rw.kubekloud-api.svc.cluster.local");
            assert.match(
                warnings[0] ?? "",
                /^platform:applications\[0\]\.postgres\.recovery: Cluster "kubekloud-api-restore" in kubekloud-api is restored from server "kubekloud-api-postgres"/,
            );
            assert.match(
                warnings.join("\n"),
                /the connection Secret kubekloud-api-database and the 1Password item cloudnative-pg\/kubekloud-api use "kubekloud-api-restore"/,
            );
        });
    });

    describe("examples/restore-drill.yaml", () => {
        it("holds only what the drill adds: postgres.recovery, nothing of the stack's own settings", () => {
            const example = YAML.parse(fs.readFileSync(EXAMPLE, "utf8")).config as Settings;
            assert.deepEqual(Object.keys(example), ["platform:postgres"]);
            assert.deepEqual(Object.keys(example["platform:postgres"]), ["recovery"]);
            const recovery = example["platform:postgres"].recovery as Settings;
            assert.equal(recovery.name, "shared-postgres-drill");
            assert.equal(recovery.source.serverName, "shared-postgres");
            assert.ok(recovery.target.time);
            assert.equal(recovery.cutOver, false);
        });

        let rendered: RenderedFiles;
        const drillWarnings: string[] = [];
        before(async () => {
            const original = pulumi.log.warn;
            (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (msg: string) => {
                drillWarnings.push(msg);
                return Promise.resolve();
            };
            try {
                rendered = await render({ stack: "infra", overlays: [EXAMPLE] });
            } finally {
                (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
            }
        });

        it("runs the drill's scratch cluster beside shared-postgres: protected, after it, nobody moved", () => {
            const rows = JSON.parse(rendered.files["resources.json"] ?? "[]") as Settings[];
            const row = (type: string, name: string) => {
                const found = rows.find((r) => r.type === type && r.name === name);
                assert.ok(found, `${type} ${name}`);
                return found;
            };
            const drill = row(CLUSTER, "shared-postgres-drill");
            assert.equal(drill.protect, true);
            for (const dep of [
                ref(CLUSTER, "shared-postgres"),
                ref(RELEASE, "plugin-barman-cloud"),
                ref(OBJECT_STORE, "shared-postgres-backups"),
                ref(SECRET, "shared-postgres-superuser"),
                ref(SECRET, "shared-postgres-backup-s3"),
            ]) {
                assert.ok((drill.dependencies as string[]).includes(dep), dep);
            }
            // A drill takes no base backups: the only ScheduledBackup is the serving cluster's.
            assert.deepEqual(
                rows.filter((r) => r.type === SCHEDULED).map((r) => r.inputs.spec.cluster.name),
                ["shared-postgres"],
            );
            // Every tenant's pooler, all still on the serving cluster.
            const tenants = committedSettings("infra")["platform:tenants"] as Settings[];
            const poolers = rows.filter((r) => r.type === POOLER);
            const withPooler = tenants.filter((t) => t.pooler?.enabled !== false);
            // Each tenant's pooler, and its session-mode one beside it when it has one.
            assert.equal(
                poolers.length,
                withPooler.length + withPooler.filter((t) => t.pooler?.session).length,
            );
            assert.ok(poolers.length > 0);
            for (const pooler of poolers) {
                assert.equal(pooler.inputs.spec.cluster.name, "shared-postgres", pooler.name);
            }
            assert.ok(
                (row(SQL_PROVIDER, "shared-postgres").dependencies as string[]).includes(
                    ref(CLUSTER, "shared-postgres"),
                ),
            );
            assert.equal(drillWarnings.length, 1);
            assert.match(
                drillWarnings[0] ?? "",
                /^platform:postgres\.recovery: Cluster "shared-postgres-drill" in cnpg-system is restored from server "shared-postgres"/,
            );
            assert.match(drillWarnings[0] ?? "", /Nothing uses it \(a drill\)/);
        });

        it("renders a recovering scratch cluster, leaking nothing", () => {
            assert.deepEqual(findLeaks(rendered.files), []);
            const docs = YAML.parseAllDocuments(rendered.files["manifests.yaml"] ?? "").map(
                (d) => d.toJS() as Settings,
            );
            const drill = docs.find(
                (d) => d.kind === "Cluster" && d.metadata.name === "shared-postgres-drill",
            );
            assert.ok(drill);
            assert.equal(drill.spec.instances, 1);
            assert.deepEqual(drill.spec.bootstrap.recovery.recoveryTarget, {
                targetTime: "2026-11-30T14:00:00Z",
            });
            assert.equal(drill.spec.plugins, undefined);
            assert.deepEqual(drill.spec.resources, {
                requests: { cpu: "1", memory: "8Gi" },
                limits: { cpu: "2", memory: "16Gi" },
            });
            assert.ok(
                docs.some((d) => d.kind === "Cluster" && d.metadata.name === "shared-postgres"),
            );
            assert.ok(
                loadStackConfig(path.join(PROJECT_DIR, "Pulumi.yaml"), STACK, [EXAMPLE]).config,
            );
        });
    });
});
