/**
 * The backup-metrics exporter (components/monitoring/exporter.ts): a kube-state-metrics v2.19.1
 * in custom-resource-state-only mode. What the tests pin, from the upstream sources:
 * - kube-state-metrics v2.19.1 pkg/customresourcestate: names `kube_customresource_<name>`
 *   (config.go GetMetricNamePrefix, registry_factory.go fullName), `labelFromKey` for the keys of
 *   a map path, RFC3339 strings as Unix seconds (toFloat64), flags from pkg/options/options.go,
 *   probes and security context from examples/standard/deployment.yaml, list/watch on CRDs from
 *   docs/metrics/extend/customresourcestate-metrics.md;
 * - plugin-barman-cloud v0.13.0 api/v1/objectstore_types.go: status.serverRecoveryWindow.<server>
 *   {firstRecoverabilityPoint, lastSuccessfulBackupTime, lastFailedBackupTime};
 * - CloudNativePG 1.30.0 (as 1.26.1) api/v1/cluster_types.go: condition type LastBackupSucceeded, reason
 *   LastBackupFailed;
 * - prometheus-operator v0.82.2 pkg/apis/monitoring/v1/servicemonitor_types.go (spec.selector,
 *   spec.endpoints) and types.go Endpoint (port, interval, honorLabels): the ServiceMonitor's
 *   fields, since ../shared/upstream has no ServiceMonitor CRD for check-crds.
 */
import assert from "node:assert/strict";
import * as YAML from "yaml";
import { parseConfig, type PlatformConfig } from "../components/config";
import {
    buildExporter,
    EXPORTER_NAME,
    exporterMetricsConfig,
    exporterPlan,
    KSM,
} from "../components/monitoring/exporter";
import { buildAlertGroups } from "../components/monitoring/rules";
import { fixtureInfraRun, fixtureSettings, toConfigMap } from "./mocks";

type Settings = Record<string, any>;

function infra(change: (s: Settings) => void = () => undefined): PlatformConfig {
    const s = structuredClone(fixtureSettings("infra")) as Settings;
    change(s);
    return parseConfig(toConfigMap(s));
}

interface Gen {
    name: string;
    each: {
        gauge: {
            path: string[];
            labelFromKey?: string;
            valueFrom?: string[];
            labelsFromPath?: Record<string, string[]>;
        };
    };
}
interface Res {
    groupVersionKind: { group: string; version: string; kind: string };
    labelsFromPath: Record<string, string[]>;
    metrics: Gen[];
}

const resources = (plugin: boolean) =>
    (exporterMetricsConfig(plugin) as { spec: { resources: Res[] } }).spec.resources;

/** Label names each exported metric carries (kube-state-metrics adds customresource_*). */
function labelsByMetric(plugin: boolean): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const r of resources(plugin)) {
        for (const m of r.metrics) {
            const g = m.each.gauge;
            out.set(
                `kube_customresource_${m.name}`,
                new Set([
                    ...Object.keys(r.labelsFromPath),
                    ...Object.keys(g.labelsFromPath ?? {}),
                    ...(g.labelFromKey ? [g.labelFromKey] : []),
                ]),
            );
        }
    }
    return out;
}

describe("backup-metrics exporter: what it exports", () => {
    it("reads the ObjectStore's recovery window per server name and the Cluster's conditions", () => {
        const [store, cluster] = resources(true);
        assert.deepEqual(store?.groupVersionKind, {
            group: "barmancloud.cnpg.io",
            version: "v1",
            kind: "ObjectStore",
        });
        assert.deepEqual(
            store?.metrics.map((m) => [
                m.name,
                m.each.gauge.path.join("."),
                m.each.gauge.valueFrom,
            ]),
            [
                [
                    "barmancloud_objectstore_last_successful_backup_time",
                    "status.serverRecoveryWindow",
                    ["lastSuccessfulBackupTime"],
                ],
                [
                    "barmancloud_objectstore_last_failed_backup_time",
                    "status.serverRecoveryWindow",
                    ["lastFailedBackupTime"],
                ],
                [
                    "barmancloud_objectstore_first_recoverability_point",
                    "status.serverRecoveryWindow",
                    ["firstRecoverabilityPoint"],
                ],
                ["barmancloud_objectstore_created", "metadata.creationTimestamp", undefined],
            ],
        );
        assert.ok(store?.metrics.slice(0, 3).every((m) => m.each.gauge.labelFromKey === "server"));
        assert.deepEqual(cluster?.metrics[0]?.each.gauge, {
            path: ["status", "conditions"],
            labelsFromPath: { type: ["type"], reason: ["reason"] },
            valueFrom: ["status"],
        });
        assert.deepEqual(
            cluster?.metrics.map((m) => [m.name, m.each.gauge.path.join(".")]),
            [
                ["cnpg_cluster_condition", "status.conditions"],
                ["cnpg_cluster_created", "metadata.creationTimestamp"],
            ],
        );
        // Without the plugin there is no ObjectStore CRD to watch.
        assert.deepEqual(
            resources(false).map((r) => r.groupVersionKind.kind),
            ["Cluster"],
        );
    });

    it("names every metric the rules read, with the labels the rules select on", () => {
        const labels = labelsByMetric(true);
        assert.deepEqual([...labels.keys()].sort(), Object.values(KSM).sort());
        const exprs = buildAlertGroups(infra()).flatMap((g) => g.rules.map((r) => r.expr));
        let seen = 0;
        for (const expr of exprs) {
            for (const m of expr.matchAll(/(kube_customresource_[a-z_]+)\{([^}]*)\}/g)) {
                seen++;
                const want = [...(m[2] ?? "").matchAll(/([a-z_]+)=/g)].map((x) => x[1]);
                for (const l of want) {
                    assert.ok(labels.get(m[1] ?? "")?.has(l ?? ""), `${m[1]} has no label ${l}`);
                }
            }
        }
        assert.ok(seen >= 6, `only ${seen} exporter selectors in the rules`);
    });

    it("is plain YAML in the ConfigMap, and the pod rolls when it changes", () => {
        const plan = exporterPlan(infra())!;
        const objs = buildExporter(plan);
        assert.deepEqual(YAML.parse(objs.configYaml), exporterMetricsConfig(true));
        const other = buildExporter({ ...plan, plugin: false });
        const sha = (o: typeof objs) =>
            (o.deployment.template as any).metadata.annotations[
                "platform.monosense.io/config-sha256"
            ];
        assert.match(sha(objs), /^[0-9a-f]{64}$/);
        assert.notEqual(sha(objs), sha(other));
    });
});

describe("backup-metrics exporter: the pod and its rights", () => {
    const plan = exporterPlan(infra())!;
    const objs = buildExporter(plan);
    const pod = (objs.deployment.template as any).spec;
    const container = pod.containers[0];

    it("runs kube-state-metrics v2.19.1 for the custom resources of the watched namespaces only", () => {
        assert.equal(
            container.image,
            "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.19.1",
        );
        assert.deepEqual(container.args, [
            "--custom-resource-state-only=true",
            "--custom-resource-state-config-file=/etc/platform-backup-metrics/config.yaml",
            "--namespaces=cnpg-system",
            "--port=8080",
            "--telemetry-port=8081",
        ]);
        assert.deepEqual(container.resources, {
            requests: { cpu: "10m", memory: "32Mi" },
            limits: { cpu: "100m", memory: "64Mi" },
        });
    });

    it("meets Pod Security restricted", () => {
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
        assert.deepEqual(container.securityContext, {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.ok(!pod.hostNetwork && !pod.hostPID);
    });

    it("may only list and watch CRDs, Clusters and ObjectStores", () => {
        assert.deepEqual(objs.clusterRole.rules, [
            {
                apiGroups: ["apiextensions.k8s.io"],
                resources: ["customresourcedefinitions"],
                verbs: ["list", "watch"],
            },
        ]);
        assert.deepEqual(objs.role.rules, [
            {
                apiGroups: ["postgresql.cnpg.io"],
                resources: ["clusters"],
                verbs: ["list", "watch"],
            },
            {
                apiGroups: ["barmancloud.cnpg.io"],
                resources: ["objectstores"],
                verbs: ["list", "watch"],
            },
        ]);
    });

    it("is scraped through a ServiceMonitor that keeps the objects' namespace label", () => {
        assert.deepEqual(objs.serviceMonitor, {
            selector: { matchLabels: { "app.kubernetes.io/instance": EXPORTER_NAME } },
            endpoints: [{ port: "http-metrics", interval: "60s", honorLabels: true }],
        });
    });
});

describe("backup-metrics exporter: when it exists", () => {
    it("exists on the shipped infra config, in the shared cluster's namespace", () => {
        assert.deepEqual(
            (({ namespace, watchNamespaces, plugin }) => ({ namespace, watchNamespaces, plugin }))(
                exporterPlan(infra())!,
            ),
            { namespace: "cnpg-system", watchNamespaces: ["cnpg-system"], plugin: true },
        );
    });

    it("goes to its own namespace setting, then the alerts' namespace", () => {
        const cfg = (m: Settings) => infra((s) => (s["platform:monitoring"] = m));
        assert.equal(
            exporterPlan(cfg({ alerts: { namespace: "monitoring" } }))?.namespace,
            "monitoring",
        );
        assert.equal(
            exporterPlan(
                cfg({
                    alerts: {
                        namespace: "monitoring",
                        backupExporter: { namespace: "backup-metrics" },
                    },
                }),
            )?.namespace,
            "backup-metrics",
        );
    });

    it("does not exist in-tree, without backups, with alerts or the exporter off", () => {
        for (const change of [
            (s: Settings) => (s["platform:cnpg"].barmanCloudPlugin = { enabled: false }),
            (s: Settings) => delete s["platform:postgres"].backup,
            (s: Settings) => (s["platform:monitoring"] = { alerts: { enabled: false } }),
            (s: Settings) =>
                (s["platform:monitoring"] = { alerts: { backupExporter: { enabled: false } } }),
        ]) {
            assert.equal(exporterPlan(infra(change)), undefined);
        }
    });

    it("refuses an image without a tag", () => {
        assert.throws(
            () =>
                infra(
                    (s) =>
                        (s["platform:monitoring"] = {
                            alerts: { backupExporter: { image: "kube-state-metrics" } },
                        }),
                ),
            /platform:monitoring\.alerts\.backupExporter\.image = "kube-state-metrics": must be an image reference with a tag/,
        );
    });

    it("is wired on the infra stack: RBAC before the Deployment, all after the namespace", async () => {
        const run = await fixtureInfraRun();
        const name = `cnpg-system/${EXPORTER_NAME}`;
        const deployment = run.get("kubernetes:apps/v1:Deployment", name);
        for (const dep of [
            `kubernetes:core/v1:ServiceAccount::${name}`,
            `kubernetes:core/v1:ConfigMap::${name}`,
            `kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::${name}`,
            `kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::${EXPORTER_NAME}`,
            "kubernetes:core/v1:Namespace::cnpg-system",
            // the releases that install the CRDs it serves
            "kubernetes:helm.sh/v3:Release::cloudnative-pg",
            "kubernetes:helm.sh/v3:Release::plugin-barman-cloud",
        ]) {
            assert.ok(deployment.dependencies.includes(dep), `Deployment waits for ${dep}`);
        }
        const binding = run.inputs("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", name);
        assert.deepEqual(binding.subjects, [
            { kind: "ServiceAccount", name: EXPORTER_NAME, namespace: "cnpg-system" },
        ]);
        const sm = run.inputs("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", name);
        assert.equal((sm.metadata as { namespace: string }).namespace, "cnpg-system");
        const cm = run.inputs("kubernetes:core/v1:ConfigMap", name);
        assert.deepEqual(
            YAML.parse((cm.data as Record<string, string>)["config.yaml"] ?? ""),
            exporterMetricsConfig(true),
        );
    });
});
