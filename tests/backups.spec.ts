/**
 * Backups through the Barman Cloud plugin (chart plugin-barman-cloud 0.7.0 = plugin v0.13.0) and
 * the in-tree switch: builders, config rules and infra wiring.
 *
 * Upstream read for these pins:
 * - cloudnative-pg/plugin-barman-cloud v0.13.0: web/docs/usage.md (ObjectStore, spec.plugins with
 *   isWALArchiver and parameters.barmanObjectName, ScheduledBackup method: plugin +
 *   pluginConfiguration.name, recovery from externalClusters[].plugin), web/docs/migration.md,
 *   web/docs/parameters.md (serverName is a Cluster plugin parameter, ObjectStore's stays empty),
 *   web/docs/installation.mdx (same namespace as the operator), internal/cnpgi/operator/config/
 *   config.go (serverName defaults to the Cluster's name), config/crd/bases/
 *   barmancloud.cnpg.io_objectstores.yaml;
 * - cloudnative-pg/charts plugin-barman-cloud-v0.7.0: charts/plugin-barman-cloud/values.yaml
 *   (replicaCount, crds.create, resources), Chart.yaml (appVersion v0.13.0);
 * - cloudnative-pg/cloudnative-pg v1.30.0 (as v1.26.1): internal/webhook/v1/cluster_webhook.go
 *   (validatePluginConfiguration: "Cannot enable a WAL archiver plugin when barmanObjectStore is
 *   configured"), config/crd/bases/postgresql.cnpg.io_clusters.yaml (spec.plugins[] fields).
 */
import { strict as assert } from "node:assert";
import { parseConfig, type PlatformConfig } from "../components/config";
import { barmanPluginValues } from "../components/cnpg/barman-plugin";
import { buildObjectStoreSpec } from "../components/postgres/barman";
import {
    buildClusterSpec,
    buildScheduledBackupSpec,
    sharedDestination,
} from "../components/postgres/spec";
import { infraProblems, parseInfraOutputs } from "../components/apps/infra";
import { checkManifests, closeSchema } from "../scripts/check-crds";
import {
    fixtureInfraRun,
    configProblems,
    runStack,
    fixtureConfig,
    fixtureSettings,
    toConfigMap,
    type Run,
} from "./mocks";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const ref = (type: string, name: string) => `${type}::${name}`;

type Settings = Record<string, any>;
const infra: PlatformConfig = parseConfig(fixtureConfig("infra"));
const pg = infra.postgres!;

function infraWith(edit: (s: Settings) => void): Record<string, string> {
    const s = structuredClone(fixtureSettings("infra")) as Settings;
    edit(s);
    return toConfigMap(s);
}

const problemsOf = (raw: Record<string, string>): string[] =>
    configProblems(raw).map((p) => `- ${p}`);

/**
 * ObjectStore spec fields of plugin-barman-cloud v0.13.0
 * (config/crd/bases/barmancloud.cnpg.io_objectstores.yaml), as far as this project uses them.
 */
const OBJECT_STORE_SPEC_FIELDS = [
    "configuration",
    "instanceSidecarConfiguration",
    "retentionPolicy",
];
const OBJECT_STORE_CONFIGURATION_FIELDS = [
    "azureCredentials", "data", "destinationPath", "endpointCA", "endpointURL",
    "googleCredentials", "historyTags", "s3Credentials", "serverName", "tags", "wal",
]; // prettier-ignore

describe("Barman Cloud plugin", () => {
    describe("builders", () => {
        it("describes the shared cluster's destination as an ObjectStore with retention and MinIO's checksum env", () => {
            const spec = buildObjectStoreSpec(sharedDestination(pg, pg.backup!), "30d");
            assert.deepEqual(spec, {
                configuration: {
                    destinationPath: "s3://monosense-cnpg/shared-postgres",
                    endpointURL: "http://10.25.11.3:9000",
                    s3Credentials: {
                        accessKeyId: { name: "shared-postgres-backup-s3", key: "ACCESS_KEY_ID" },
                        secretAccessKey: {
                            name: "shared-postgres-backup-s3",
                            key: "ACCESS_SECRET_KEY",
                        },
                    },
                    wal: { compression: "gzip", maxParallel: 4 },
                    data: { compression: "gzip", jobs: 2 },
                },
                // Retention lives on the ObjectStore in the plugin's world (web/docs/migration.md).
                retentionPolicy: "30d",
                instanceSidecarConfiguration: {
                    env: [
                        { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
                        { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
                    ],
                },
            });
            for (const k of Object.keys(spec)) assert.ok(OBJECT_STORE_SPEC_FIELDS.includes(k), k);
            const conf = spec.configuration as Record<string, unknown>;
            for (const k of Object.keys(conf)) {
                assert.ok(OBJECT_STORE_CONFIGURATION_FIELDS.includes(k), k);
            }
            // web/docs/parameters.md: the ObjectStore's serverName "must always be left empty".
            assert.equal("serverName" in conf, false);
        });

        it("names the ObjectStore as the only WAL archiver and leaves spec.backup and spec.env out", () => {
            const spec = buildClusterSpec(pg, infra.tenants, { plugin: true });
            assert.deepEqual(spec.plugins, [
                {
                    name: "barman-cloud.cloudnative-pg.io",
                    isWALArchiver: true,
                    parameters: { barmanObjectName: "shared-postgres-backups" },
                },
            ]);
            // CNPG 1.30.0 (as 1.26.1) rejects a WAL-archiver plugin next to backup.barmanObjectStore, and
            // warns about backup.retentionPolicy without it.
            assert.equal(spec.backup, undefined);
            assert.equal(spec.env, undefined);
        });

        it("keeps the in-tree barmanObjectStore behind the switch, without plugins", () => {
            const spec = buildClusterSpec(pg, infra.tenants, { plugin: false });
            assert.equal(spec.plugins, undefined);
            assert.ok((spec.backup as Record<string, unknown>).barmanObjectStore);
        });

        it("schedules plugin backups by the plugin's name", () => {
            assert.deepEqual(buildScheduledBackupSpec(pg, true), {
                cluster: { name: "shared-postgres" },
                schedule: "0 0 2 * * *",
                method: "plugin",
                pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
                immediate: true,
                target: "prefer-standby",
                backupOwnerReference: "self",
            });
        });

        it("passes the chart only keys of plugin-barman-cloud 0.7.0's values.yaml", () => {
            assert.deepEqual(barmanPluginValues(infra.cnpg.barmanCloudPlugin), {
                replicaCount: 1,
                crds: { create: true },
            });
            const resources = {
                requests: { cpu: "50m", memory: "64Mi" },
                limits: { cpu: "100m", memory: "128Mi" },
            };
            assert.deepEqual(
                barmanPluginValues({ ...infra.cnpg.barmanCloudPlugin, resources }).resources,
                resources,
            );
        });
    });

    describe("config", () => {
        it("turns the plugin on by default and pins chart 0.7.0 from the CloudNativePG repository", () => {
            const cfg = parseConfig(infraWith((s) => delete s["platform:cnpg"].barmanCloudPlugin));
            assert.deepEqual(cfg.cnpg.barmanCloudPlugin, {
                enabled: true,
                chart: { version: "0.7.0", repository: "https://cloudnative-pg.github.io/charts" },
            });
        });

        it("refuses the plugin on an operator older than CloudNativePG 1.26 (no isWALArchiver)", () => {
            assert.deepEqual(
                problemsOf(infraWith((s) => (s["platform:cnpg"].chart.version = "0.23.2"))),
                [
                    "- platform:cnpg.barmanCloudPlugin.enabled = true: needs CloudNativePG 1.26 or later (chart cloudnative-pg 0.24.0+; cnpg.chart.version is 0.23.2): older operators have no spec.plugins[].isWALArchiver. Upgrade the operator or set enabled: false for the in-tree barmanObjectStore",
                ],
            );
            assert.deepEqual(
                problemsOf(
                    infraWith((s) => {
                        s["platform:cnpg"].chart.version = "0.23.2";
                        s["platform:cnpg"].barmanCloudPlugin.enabled = false;
                    }),
                ),
                [],
            );
        });
    });

    describe("infra wiring", () => {
        let run: Run;
        before(async () => {
            run = await fixtureInfraRun();
        });

        it("installs plugin-barman-cloud 0.7.0 in the operator's namespace, after the operator", () => {
            const rel = run.get(RELEASE, "plugin-barman-cloud");
            assert.equal(rel.parent, "platform:cnpg:BarmanCloudPlugin::barman-cloud");
            assert.ok(rel.dependencies.includes(ref(RELEASE, "cloudnative-pg")));
            const inputs = run.inputs(RELEASE, "plugin-barman-cloud");
            assert.equal(inputs.name, "plugin-barman-cloud");
            assert.equal(inputs.namespace, "cnpg-system");
            assert.equal(inputs.chart, "plugin-barman-cloud");
            assert.equal(inputs.version, "0.7.0");
            assert.deepEqual(inputs.repositoryOpts, {
                repo: "https://cloudnative-pg.github.io/charts",
            });
            assert.equal(inputs.skipAwait, false);
        });

        it("creates the ObjectStore after the plugin and the credentials, and the Cluster after both", () => {
            const store = run.get(OBJECT_STORE, "shared-postgres-backups");
            assert.ok(store.dependencies.includes(ref(RELEASE, "plugin-barman-cloud")));
            assert.ok(store.dependencies.includes(ref(SECRET, "shared-postgres-backup-s3")));
            assert.equal(
                (run.inputs(OBJECT_STORE, "shared-postgres-backups").metadata as Settings)
                    .namespace,
                "cnpg-system",
            );
            const cluster = run.get(CLUSTER, "shared-postgres");
            assert.ok(cluster.dependencies.includes(ref(OBJECT_STORE, "shared-postgres-backups")));
            assert.ok(cluster.dependencies.includes(ref(RELEASE, "plugin-barman-cloud")));
            const spec = run.inputs(CLUSTER, "shared-postgres").spec as Settings;
            assert.equal(spec.plugins[0].parameters.barmanObjectName, "shared-postgres-backups");
            assert.equal(spec.backup, undefined);
            assert.equal(
                (run.inputs(SCHEDULED, "shared-postgres-daily").spec as Settings).method,
                "plugin",
            );
        });

        it("switches every cluster of the stack back to in-tree with enabled: false, installing no plugin", async () => {
            const inTree = await runStack(
                "infra",
                infraWith((s) => (s["platform:cnpg"].barmanCloudPlugin.enabled = false)),
            );
            assert.equal(inTree.has(RELEASE, "plugin-barman-cloud"), false);
            // Switching either way updates the same resources in place: the stateful ones keep
            // their type, name and parent (so their URN), and the Cluster stays protected.
            for (const [type, name] of [
                [CLUSTER, "shared-postgres"],
                [SCHEDULED, "shared-postgres-daily"],
                [SECRET, "shared-postgres-backup-s3"],
                [SECRET, "shared-postgres-superuser"],
            ] as const) {
                assert.equal(inTree.get(type, name).parent, run.get(type, name).parent, name);
            }
            assert.equal(inTree.get(CLUSTER, "shared-postgres").protect, true);
            assert.equal(inTree.all(OBJECT_STORE).length, 0);
            const spec = inTree.inputs(CLUSTER, "shared-postgres").spec as Settings;
            assert.equal(spec.plugins, undefined);
            assert.equal(
                spec.backup.barmanObjectStore.destinationPath,
                "s3://monosense-cnpg/shared-postgres",
            );
            assert.equal(
                (inTree.inputs(SCHEDULED, "shared-postgres-daily").spec as Settings).method,
                "barmanObjectStore",
            );
        });
    });

    describe("check-crds", () => {
        /** A closed ObjectStore schema with the v0.13.0 CRD's spec fields the project uses. */
        const schemas = new Map([
            [
                "barmancloud.cnpg.io/v1|ObjectStore",
                closeSchema({
                    type: "object",
                    properties: {
                        apiVersion: { type: "string" },
                        kind: { type: "string" },
                        metadata: { type: "object" },
                        spec: {
                            type: "object",
                            required: ["configuration"],
                            properties: {
                                configuration: {
                                    type: "object",
                                    required: ["destinationPath"],
                                    properties: {
                                        destinationPath: { type: "string" },
                                        endpointURL: { type: "string" },
                                        s3Credentials: { type: "object", properties: {} },
                                        wal: { type: "object" },
                                        data: { type: "object" },
                                    },
                                },
                                retentionPolicy: { type: "string", pattern: "^[1-9][0-9]*[dwm]$" },
                                instanceSidecarConfiguration: { type: "object" },
                            },
                        },
                    },
                }),
            ],
        ]);

        it("rejects an unknown ObjectStore field and a kind of a known group without a CRD", () => {
            const manifests = [
                "apiVersion: barmancloud.cnpg.io/v1",
                "kind: ObjectStore",
                "metadata: {name: a, namespace: n}",
                "spec: {configuration: {destinationPath: s3://b/p, serverNme: x}, retentionPolicy: 30d}",
                "---",
                "apiVersion: barmancloud.cnpg.io/v2",
                "kind: ObjectStore",
                "metadata: {name: b, namespace: n}",
                "spec: {}",
            ].join("\n");
            const { checked, errors } = checkManifests(manifests, schemas);
            assert.deepEqual(checked, ["ObjectStore n/a"]);
            assert.deepEqual(errors, [
                "ObjectStore n/a: /spec/configuration must NOT have additional properties (serverNme)",
                "ObjectStore n/b: no CRD for barmancloud.cnpg.io/v2 ObjectStore",
            ]);
        });
    });
});

describe("co-located clusters' own backup credentials", () => {
    function appsWith(edit: (backup: Settings) => void): Record<string, string> {
        const s = structuredClone(fixtureSettings("apps")) as Settings;
        const app = (s["platform:applications"] as Settings[]).find(
            (a) => a.name === "kubekloud-api",
        );
        edit(app!.postgres.backup as Settings);
        return toConfigMap(s);
    }

    it("defaults to the cluster's own item under the apps prefix", () => {
        const cfg = parseConfig(appsWith((b) => delete b.credentials));
        const app = cfg.applications.find((a) => a.name === "kubekloud-api")!;
        assert.equal(app.postgres?.backup?.credentials.item, undefined);
        assert.deepEqual(problemsOf(appsWith((b) => delete b.credentials)), []);
    });

    it("refuses the infra cluster's MinIO item, absolute or relative", () => {
        for (const item of ["/kubernetes/infra/cloudnative-pg/minio", "cloudnative-pg/minio"]) {
            assert.deepEqual(problemsOf(appsWith((b) => (b.credentials = { item }))), [
                `- platform:applications[2].postgres.backup.credentials.item = ${JSON.stringify(item)}: is the infra cluster's backup credentials (cloudnative-pg/minio), which can read and delete every shared backup: give the cluster its own MinIO user limited to its prefix (docs/backup-restore.md "Backup credentials of co-located clusters") and its own item, e.g. "cloudnative-pg/kubekloud-api-backup"`,
            ]);
        }
    });

    it("refuses two clusters sharing one item", () => {
        const s = structuredClone(fixtureSettings("apps")) as Settings;
        const apps = s["platform:applications"] as Settings[];
        const kubekloud = apps.find((a) => a.name === "kubekloud-api")!;
        apps.push({
            name: "other",
            postgres: { backup: { ...kubekloud.postgres.backup, destinationPath: undefined } },
        });
        delete apps[apps.length - 1]!.postgres.backup.destinationPath;
        assert.deepEqual(problemsOf(toConfigMap(s)), [
            '- platform:applications[3].postgres.backup.credentials.item = "cloudnative-pg/kubekloud-api-backup": is already used by applications[2]: each co-located cluster needs its own credentials, limited to its own prefix',
        ]);
    });

    it("refuses, against the infra stack's outputs, the item its shared cluster backs up with", () => {
        const cfg = parseConfig(
            appsWith((b) => (b.credentials = { item: "/kubernetes/infra/cloudnative-pg/s3" })),
        );
        const infraView = parseInfraOutputs({
            tenants: {
                gitlab: {
                    global: true,
                    service: "gitlab-pooler",
                    namespace: "cnpg-system",
                    databases: ["gitlabhq_production"],
                },
            },
            postgres: { backupItem: "kubernetes/infra/cloudnative-pg/s3" },
        });
        assert.deepEqual(
            infraProblems(cfg, infraView)
                .filter((p) => p.key.endsWith("credentials.item"))
                .map((p) => p.message),
            [
                'is the item the infra stack "organization/platform/infra" backs up its shared cluster with (kubernetes/infra/cloudnative-pg/s3), which can read and delete every shared backup: give the cluster its own MinIO user limited to its prefix and its own item',
            ],
        );
    });

    it("exports the shared cluster's backup item from the infra stack", async () => {
        const run = await fixtureInfraRun();
        assert.equal(
            (run.outputs.postgres as Settings).backupItem,
            "kubernetes/infra/cloudnative-pg/minio",
        );
    });
});
