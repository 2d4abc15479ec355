/**
 * Backups over https with a private CA, plain http only when the config says so, and the egress
 * to an object store inside the cluster.
 *
 * Upstream: `endpointCA` is a SecretKeySelector {name, key} of CNPG's
 * BarmanObjectStoreConfiguration (cnpg v1.26.1 and v1.30.0 postgresql.cnpg.io_clusters.yaml:
 * spec.backup.barmanObjectStore.endpointCA, externalClusters[].barmanObjectStore.endpointCA) and
 * of the plugin's ObjectStore (plugin-barman-cloud v0.13.0 barmancloud.cnpg.io_objectstores.yaml:
 * spec.configuration.endpointCA). Cilium applies toCIDR only to destinations outside the cluster
 * (cilium.io_ciliumnetworkpolicies.yaml at 02904c9, toCIDR's description). The in-cluster MinIO is
 * the seed's `minio-tenant-hl.minio-tenant.svc.cluster.local:9000`; MinIO operator tenant pods carry
 * `v1.min.io/tenant: <tenant>`.
 */
import assert from "node:assert/strict";
import { buildObjectStoreSpec } from "../components/postgres/barman";
import {
    buildClusterSpec,
    buildRecoveredClusterSpec,
    sharedDestination,
} from "../components/postgres/spec";
import { colocatedDestination } from "../components/apps/spec";
import { parseConfig } from "../components/config";
import { allowed } from "./policy-eval";
import { fixtureSettings, toConfigMap } from "./mocks";
import { asPolicies, INFRA, ip, pod, settingsWith } from "./policy-table";

const HTTPS = "https://minio.monosense.io";
const CA = { secret: "minio-ca", key: "ca.crt" };

const httpsWithCA = (s: Record<string, any>) => {
    s["platform:postgres"].backup.endpointURL = HTTPS;
    s["platform:postgres"].backup.endpointCA = { secret: "minio-ca" };
    delete s["platform:postgres"].backup.allowHttp;
    s["platform:network"].objectStore = { cidrs: ["10.25.11.3/32"], port: 443 };
};

describe("backups over https with a CA", () => {
    const cfg = settingsWith(httpsWithCA);
    const pg = cfg.postgres!;

    it("puts endpointCA {name, key} into the plugin's ObjectStore configuration", () => {
        const spec = buildObjectStoreSpec(sharedDestination(pg, pg.backup!), "30d") as any;
        assert.equal(spec.configuration.endpointURL, HTTPS);
        assert.deepEqual(spec.configuration.endpointCA, { name: "minio-ca", key: "ca.crt" });
    });

    it("puts it into the in-tree barmanObjectStore too", () => {
        const spec = buildClusterSpec(pg, cfg.tenants, { plugin: false }) as any;
        assert.deepEqual(spec.backup.barmanObjectStore.endpointCA, {
            name: "minio-ca",
            key: "ca.crt",
        });
    });

    it("gives a recovery the CA for the destination's own endpoint, not for another one", () => {
        const same = settingsWith((s) => {
            httpsWithCA(s);
            s["platform:postgres"].recovery = { name: "shared-postgres-r1" };
        });
        const inTree = buildRecoveredClusterSpec(same.postgres!, same.tenants, false) as any;
        assert.deepEqual(inTree.externalClusters[0].barmanObjectStore.endpointCA, {
            name: "minio-ca",
            key: "ca.crt",
        });
        const other = settingsWith((s) => {
            httpsWithCA(s);
            s["platform:postgres"].recovery = {
                name: "shared-postgres-r1",
                source: { endpointURL: "https://old-minio.monosense.io" },
            };
        });
        const spec = buildRecoveredClusterSpec(other.postgres!, other.tenants, false) as any;
        assert.equal("endpointCA" in spec.externalClusters[0].barmanObjectStore, false);
    });

    it("carries a co-located cluster's CA", () => {
        const settings = structuredClone(fixtureSettings("apps")) as Record<string, any>;
        const app = settings["platform:applications"].find((a: any) => a.postgres?.backup);
        app.postgres.backup.endpointURL = HTTPS;
        app.postgres.backup.endpointCA = CA;
        delete app.postgres.backup.allowHttp;
        settings["platform:network"] = { objectStore: { cidrs: ["10.25.11.3/32"] } };
        const apps = parseConfig(toConfigMap(settings));
        const withBackup = apps.applications.find((a) => a.postgres?.backup);
        assert.deepEqual(colocatedDestination(withBackup!)?.endpointCA, CA);
    });

    it("leaves endpointCA out when none is configured (a public CA)", () => {
        const publicCA = settingsWith((s) => {
            httpsWithCA(s);
            delete s["platform:postgres"].backup.endpointCA;
        });
        const spec = buildObjectStoreSpec(
            sharedDestination(publicCA.postgres!, publicCA.postgres!.backup!),
            "30d",
        ) as any;
        assert.equal("endpointCA" in spec.configuration, false);
    });
});

describe("plain http only when the config says so", () => {
    it("refuses an http:// endpoint without allowHttp, naming the fix", () => {
        assert.throws(
            () => settingsWith((s) => delete s["platform:postgres"].backup.allowHttp),
            /platform:postgres\.backup\.endpointURL = "http:\/\/10\.25\.11\.3:9000": sends base backups and WAL unencrypted: use an https:\/\/ endpoint \(with postgres\.backup\.endpointCA when its certificate is signed by a private CA\), or set postgres\.backup\.allowHttp: true to accept plain http/,
        );
    });

    it("refuses a CA on an http:// endpoint, and allowHttp on an https:// one", () => {
        assert.throws(
            () => settingsWith((s) => (s["platform:postgres"].backup.endpointCA = CA)),
            /platform:postgres\.backup\.endpointCA: needs an https:\/\/ endpointURL: http:\/\/10\.25\.11\.3:9000 is plain http, where a CA verifies nothing/,
        );
        assert.throws(
            () =>
                settingsWith((s) => {
                    httpsWithCA(s);
                    s["platform:postgres"].backup.allowHttp = true;
                }),
            /platform:postgres\.backup\.allowHttp = true: is for an http:\/\/ endpoint; https:\/\/minio\.monosense\.io is https \(remove allowHttp\)/,
        );
    });

    it("asks the same of a recovery source on another plain-http endpoint", () => {
        assert.throws(
            () =>
                settingsWith((s) => {
                    httpsWithCA(s);
                    s["platform:postgres"].recovery = {
                        name: "shared-postgres-r1",
                        source: { endpointURL: "http://10.25.11.4:9000" },
                    };
                }),
            /platform:postgres\.recovery\.source\.endpointURL = "http:\/\/10\.25\.11\.4:9000": reads base backups and WAL unencrypted: use an https:\/\/ endpoint, or set postgres\.backup\.allowHttp: true/,
        );
    });

    it("asks the same of a co-located cluster's backup", () => {
        const settings = structuredClone(fixtureSettings("apps")) as Record<string, any>;
        const i = settings["platform:applications"].findIndex((a: any) => a.postgres?.backup);
        delete settings["platform:applications"][i].postgres.backup.allowHttp;
        assert.throws(
            () => parseConfig(toConfigMap(settings)),
            new RegExp(
                `platform:applications\\[${i}\\]\\.postgres\\.backup\\.endpointURL = "http://10\\.25\\.11\\.3:9000": sends base backups and WAL unencrypted`,
            ),
        );
    });
});

describe("egress to an object store inside the cluster", () => {
    const o = { localCluster: INFRA, defaultLocalCluster: false };
    const instance = pod(INFRA, "cnpg-system", {
        "cnpg.io/cluster": "shared-postgres",
        "cnpg.io/podRole": "instance",
    });
    const minio = (cluster = INFRA) =>
        pod(cluster, "minio-tenant", { "v1.min.io/tenant": "minio-tenant" });
    const inCluster = (labels?: Record<string, string>) =>
        asPolicies(
            settingsWith((s) => {
                s["platform:postgres"].backup.endpointURL =
                    "http://minio-tenant-hl.minio-tenant.svc.cluster.local:9000";
                if (labels) s["platform:network"].objectStore = { labels };
            }),
        );

    it("reaches the MinIO pods of the Service's namespace by endpoint, not by address", () => {
        const policies = inCluster();
        assert.ok(allowed(policies, instance, minio(), 9000, o));
        assert.ok(!allowed(policies, instance, minio(), 22, o));
        assert.ok(!allowed(policies, instance, pod(INFRA, "default"), 9000, o));
        assert.ok(!allowed(policies, instance, ip("10.25.11.3"), 9000, o));
        // Under Cilium ≤ 1.18 too: the peer names this cluster.
        assert.ok(!allowed(policies, instance, minio("apps"), 9000, o));
    });

    it("narrows to network.objectStore.labels", () => {
        const policies = inCluster({ "v1.min.io/tenant": "minio-tenant" });
        assert.ok(allowed(policies, instance, minio(), 9000, o));
        assert.ok(!allowed(policies, instance, pod(INFRA, "minio-tenant"), 9000, o));
    });

    it("a CIDR rule would not have matched: the rendered rule is an endpoint rule", () => {
        const rules = inCluster().find((p) => p.metadata.name === "shared-postgres-instances")!.spec
            .egress as Record<string, unknown>[];
        assert.ok(rules.every((r) => !("toCIDR" in r)));
        assert.deepEqual(rules.at(-1), {
            toEndpoints: [
                {
                    matchLabels: {
                        "k8s:io.kubernetes.pod.namespace": "minio-tenant",
                        "io.cilium.k8s.policy.cluster": "infra",
                    },
                },
            ],
            toPorts: [{ ports: [{ port: "9000", protocol: "TCP" }] }],
        });
    });
});
