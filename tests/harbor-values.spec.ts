/**
 * The chart values and the HTTPRoute built from the Harbor config (components/harbor/values.ts):
 * chart 1.19.1 keys only, secrets by reference only, the route. The config's own rules are in
 * harbor-config.spec.ts.
 */
import assert from "node:assert/strict";
import { harborProblems, harborSchema, type HarborConfig } from "../components/harbor/config";
import {
    HARBOR_SECRET_LENGTHS,
    harborHttpRouteSpec,
    harborValues,
    type HarborRefs,
} from "../components/harbor/values";

/**
 * Key paths of goharbor/harbor-helm values.yaml that harborValues may set, read from v1.16.4 and
 * re-read at v1.19.1 (whose values.yaml keeps every key of v1.16.4 and adds some). Those marked (commented) appear commented out there but are documented and read by the
 * templates (`# resources:`, `# existingSecretAdminPassword:`, s3 `#existingSecret`, ...).
 * `resources` and `additionalLabels` are maps and count as leaves.
 */
const CHART_KEY_PATHS = new Set([
    "expose.type",
    "expose.tls.enabled",
    "expose.tls.certSource",
    "expose.clusterIP.name",
    "expose.clusterIP.ports.httpPort",
    "externalURL",
    "persistence.enabled",
    "persistence.resourcePolicy",
    "persistence.persistentVolumeClaim.registry.storageClass",
    "persistence.persistentVolumeClaim.registry.accessMode",
    "persistence.persistentVolumeClaim.registry.size",
    "persistence.persistentVolumeClaim.jobservice.jobLog.storageClass",
    "persistence.persistentVolumeClaim.jobservice.jobLog.accessMode",
    "persistence.persistentVolumeClaim.jobservice.jobLog.size",
    "persistence.persistentVolumeClaim.trivy.storageClass",
    "persistence.persistentVolumeClaim.trivy.size",
    "persistence.imageChartStorage.type",
    "persistence.imageChartStorage.disableredirect",
    "persistence.imageChartStorage.s3.region",
    "persistence.imageChartStorage.s3.bucket",
    "persistence.imageChartStorage.s3.regionendpoint", // (commented)
    "persistence.imageChartStorage.s3.rootdirectory", // (commented)
    "persistence.imageChartStorage.s3.existingSecret", // (commented)
    "existingSecretAdminPassword", // (commented)
    "existingSecretAdminPasswordKey",
    "existingSecretSecretKey",
    "updateStrategy.type",
    "metrics.enabled",
    "metrics.serviceMonitor.enabled",
    "metrics.serviceMonitor.additionalLabels",
    "cache.enabled",
    "cache.expireHours",
    "nginx.replicas",
    "nginx.resources", // (commented)
    "portal.replicas",
    "portal.resources", // (commented)
    "core.replicas",
    "core.resources", // (commented)
    "core.quotaUpdateProvider",
    "core.existingSecret",
    "core.secretName",
    "core.existingXsrfSecret",
    "core.existingXsrfSecretKey",
    "jobservice.replicas",
    "jobservice.resources", // (commented)
    "jobservice.jobLoggers",
    "jobservice.existingSecret",
    "jobservice.existingSecretKey",
    "registry.replicas",
    "registry.registry.resources", // (commented)
    "registry.existingSecret",
    "registry.existingSecretKey",
    "registry.relativeurls",
    "registry.credentials.username",
    "registry.credentials.existingSecret",
    "trivy.enabled",
    "trivy.replicas",
    "trivy.resources",
    "trivy.skipUpdate",
    "exporter.replicas",
    "exporter.resources", // (commented)
    "database.type",
    "database.external.host",
    "database.external.port",
    "database.external.username",
    "database.external.coreDatabase",
    "database.external.existingSecret",
    "database.external.sslmode",
    "database.maxOpenConns",
    "database.maxIdleConns",
    "redis.type",
    "redis.external.addr",
    "redis.external.coreDatabaseIndex",
    "redis.external.jobserviceDatabaseIndex",
    "redis.external.registryDatabaseIndex",
    "redis.external.trivyAdapterIndex",
    "redis.external.harborDatabaseIndex", // (commented)
    "redis.external.cacheLayerDatabaseIndex", // (commented)
    "redis.external.username",
    "redis.external.existingSecret",
]);

/** Chart keys that take a secret VALUE; harborValues must never set them. */
const SECRET_VALUE_KEYS = [
    "harborAdminPassword",
    "secretKey",
    "core.secret",
    "core.xsrfKey",
    "core.tokenKey",
    "core.tokenCert",
    "jobservice.secret",
    "registry.secret",
    "registry.credentials.password",
    "registry.credentials.htpasswdString",
    "database.external.password",
    "redis.external.password",
    "persistence.imageChartStorage.s3.accesskey",
    "persistence.imageChartStorage.s3.secretkey",
];

const MAP_LEAVES = new Set(["resources", "additionalLabels"]);

function leaves(o: unknown, prefix = ""): [string, unknown][] {
    if (o === null || typeof o !== "object" || Array.isArray(o)) return [[prefix, o]];
    if (MAP_LEAVES.has(prefix.split(".").pop() ?? "")) return [[prefix, o]];
    return Object.entries(o).flatMap(([k, v]) => leaves(v, prefix === "" ? k : `${prefix}.${k}`));
}

function at(o: unknown, path: string): unknown {
    let cur = o;
    for (const seg of path.split(".")) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string, unknown>)[seg];
    }
    return cur;
}

const GATEWAY = { name: "envoy-external", namespace: "networking", sectionName: "https" };

function harbor(raw: Record<string, unknown> = {}): HarborConfig {
    return harborSchema.parse({ gateway: GATEWAY, ...raw });
}

const REFS: HarborRefs = {
    databaseHost: "harbor-pooler.cnpg-system.svc",
    databasePort: "5432",
    databaseUser: "harbor",
    coreDatabase: "harbor_registry",
    databaseSecret: "harbor-database",
    redisAddr: "dragonfly.dragonfly.svc.cluster.local:6379",
    adminSecret: "harbor-admin",
    secretKeySecret: "harbor-secret-key",
    coreSecret: "harbor-core-secret",
    coreTokenSecret: "harbor-core-token",
    xsrfSecret: "harbor-xsrf",
    jobserviceSecret: "harbor-jobservice",
    registryHttpSecret: "harbor-registry-http",
    registryCredentialsSecret: "harbor-registry-credentials",
    s3Secret: "harbor-s3",
};

/** Configs that together make harborValues emit every branch. */
const VARIANTS: Record<string, Record<string, unknown>> = {
    defaults: {},
    "s3 with optional redis indexes": {
        storage: {
            type: "s3",
            s3: {
                bucket: "harbor",
                regionendpoint: "http://10.25.11.3:9000",
                rootdirectory: "/harbor",
            },
        },
        redis: { harborDatabaseIndex: "6", cacheLayerDatabaseIndex: "7" },
    },
    "file job logs on RWX, metrics off, trivy off": {
        components: {
            jobservice: { jobLoggers: ["file"], jobLog: { accessMode: "ReadWriteMany" } },
        },
        metrics: { enabled: false },
        trivy: { enabled: false },
    },
};

describe("harborValues: chart 1.19.1 keys", () => {
    for (const [name, raw] of Object.entries(VARIANTS)) {
        it(`emits only keys of values.yaml (${name})`, () => {
            const cfg = harbor(raw);
            assert.deepEqual(harborProblems(cfg), []);
            const unknown = leaves(harborValues(cfg, REFS))
                .map(([p]) => p)
                .filter((p) => !CHART_KEY_PATHS.has(p));
            assert.deepEqual(unknown, []);
        });
    }

    it("exposes plain HTTP on the ClusterIP Service harbor:80, TLS at the Gateway", () => {
        const v = harborValues(harbor(), REFS);
        assert.deepEqual(v.expose, {
            type: "clusterIP",
            tls: { enabled: false, certSource: "none" },
            clusterIP: { name: "harbor", ports: { httpPort: 80 } },
        });
        assert.equal(v.externalURL, "https://harbor.monosense.io");
    });

    it("uses the external pooler database without notary databases, pool sizes as numbers", () => {
        const v = harborValues(harbor(), REFS);
        assert.deepEqual(v.database, {
            type: "external",
            external: {
                host: "harbor-pooler.cnpg-system.svc",
                port: "5432",
                username: "harbor",
                coreDatabase: "harbor_registry",
                existingSecret: "harbor-database",
                sslmode: "require",
            },
            maxOpenConns: 6,
            maxIdleConns: 2,
        });
        assert.ok(!JSON.stringify(v).includes("notary"));
    });

    it("uses external Redis (Dragonfly) with the configured indexes", () => {
        const v = harborValues(harbor({ redis: { harborDatabaseIndex: "6" } }), REFS);
        assert.deepEqual(v.redis, {
            type: "external",
            external: {
                addr: "dragonfly.dragonfly.svc.cluster.local:6379",
                coreDatabaseIndex: "0",
                jobserviceDatabaseIndex: "1",
                registryDatabaseIndex: "2",
                trivyAdapterIndex: "5",
                harborDatabaseIndex: "6",
                username: "",
            },
        });
    });

    it("sets seed replicas and resources, metrics with ServiceMonitor, trivy, Recreate on RWO", () => {
        const v = harborValues(harbor(), REFS);
        const replicas = [
            "nginx",
            "portal",
            "core",
            "registry",
            "jobservice",
            "trivy",
            "exporter",
        ].map((c) => [c, at(v, `${c}.replicas`)]);
        assert.deepEqual(replicas, [
            ["nginx", 2],
            ["portal", 2],
            ["core", 2],
            ["registry", 1],
            ["jobservice", 2],
            ["trivy", 1],
            ["exporter", 1],
        ]);
        assert.deepEqual(at(v, "portal.resources"), {
            requests: { cpu: "100m", memory: "256Mi" },
            limits: { cpu: "500m", memory: "512Mi" },
        });
        assert.deepEqual(at(v, "registry.registry.resources"), {
            requests: { cpu: "250m", memory: "512Mi" },
            limits: { cpu: "1000m", memory: "1Gi" },
        });
        assert.deepEqual(at(v, "trivy.resources"), {
            requests: { cpu: "200m", memory: "512Mi" },
            limits: { cpu: "1000m", memory: "1Gi" },
        });
        assert.equal(at(v, "metrics.enabled"), true);
        assert.equal(at(v, "metrics.serviceMonitor.enabled"), true);
        assert.equal(at(v, "trivy.enabled"), true);
        assert.equal(at(v, "trivy.skipUpdate"), false);
        assert.equal(at(v, "updateStrategy.type"), "Recreate");
        assert.deepEqual(at(v, "persistence.persistentVolumeClaim.registry"), {
            storageClass: "rook-ceph-block",
            accessMode: "ReadWriteOnce",
            size: "200Gi",
        });
        assert.deepEqual(at(v, "jobservice.jobLoggers"), ["database"]);
        assert.equal(at(v, "persistence.persistentVolumeClaim.jobservice"), undefined);
        assert.equal(at(v, "containerSecurityContext"), undefined);
    });

    it("sends registry storage to S3 through an existing Secret", () => {
        const cfg = harbor(VARIANTS["s3 with optional redis indexes"]);
        const v = harborValues(cfg, REFS);
        assert.deepEqual(at(v, "persistence.imageChartStorage"), {
            type: "s3",
            disableredirect: true,
            s3: {
                region: "us-east-1",
                bucket: "harbor",
                regionendpoint: "http://10.25.11.3:9000",
                rootdirectory: "/harbor",
                existingSecret: "harbor-s3",
            },
        });
        assert.equal(at(v, "persistence.persistentVolumeClaim.registry"), undefined);
        assert.equal(at(v, "registry.replicas"), 2);
        assert.equal(at(v, "updateStrategy.type"), "RollingUpdate");
        assert.throws(
            () => harborValues(cfg, { ...REFS, s3Secret: undefined }),
            /s3Secret is required/,
        );
    });
});

describe("harborValues: secrets by reference only", () => {
    const v = harborValues(harbor(), REFS);

    it("points every credential at its existing Secret and key", () => {
        const refs = Object.fromEntries(
            [
                "existingSecretAdminPassword",
                "existingSecretAdminPasswordKey",
                "existingSecretSecretKey",
                "core.existingSecret",
                "core.secretName",
                "core.existingXsrfSecret",
                "core.existingXsrfSecretKey",
                "jobservice.existingSecret",
                "jobservice.existingSecretKey",
                "registry.existingSecret",
                "registry.existingSecretKey",
                "registry.credentials.existingSecret",
                "registry.credentials.username",
                "database.external.existingSecret",
            ].map((p) => [p, at(v, p)]),
        );
        assert.deepEqual(refs, {
            existingSecretAdminPassword: "harbor-admin",
            existingSecretAdminPasswordKey: "HARBOR_ADMIN_PASSWORD",
            existingSecretSecretKey: "harbor-secret-key",
            "core.existingSecret": "harbor-core-secret",
            "core.secretName": "harbor-core-token",
            "core.existingXsrfSecret": "harbor-xsrf",
            "core.existingXsrfSecretKey": "CSRF_KEY",
            "jobservice.existingSecret": "harbor-jobservice",
            "jobservice.existingSecretKey": "JOBSERVICE_SECRET",
            "registry.existingSecret": "harbor-registry-http",
            "registry.existingSecretKey": "REGISTRY_HTTP_SECRET",
            "registry.credentials.existingSecret": "harbor-registry-credentials",
            "registry.credentials.username": "harbor_registry_user",
            "database.external.existingSecret": "harbor-database",
        });
        // existingSecret needs Helm lookup, which fails in the client-side render of Check.
        assert.equal(at(v, "redis.external.existingSecret"), undefined);
    });

    it("sets none of the chart keys that take a secret value", () => {
        for (const variant of Object.values(VARIANTS)) {
            const values = harborValues(harbor(variant), REFS);
            const set = SECRET_VALUE_KEYS.filter((k) => at(values, k) !== undefined);
            assert.deepEqual(set, []);
        }
    });

    it("contains no string that looks generated: every string comes from config, refs or chart constants", () => {
        const cfg = harbor(VARIANTS["s3 with optional redis indexes"]);
        const values = harborValues(cfg, REFS);
        const known = new Set<string>([
            ...Object.values(REFS).filter((s): s is string => s !== undefined),
            ...leaves(cfg).flatMap(([, x]) =>
                typeof x === "string"
                    ? [x]
                    : Array.isArray(x)
                      ? x.filter((e) => typeof e === "string")
                      : [],
            ),
            // chart constants
            "clusterIP",
            "none",
            "harbor",
            "keep",
            "external",
            "",
            "harbor_registry_user",
            "HARBOR_ADMIN_PASSWORD",
            "CSRF_KEY",
            "JOBSERVICE_SECRET",
            "REGISTRY_HTTP_SECRET",
        ]);
        const strings = leaves(values).flatMap(([p, x]) =>
            typeof x === "string"
                ? [[p, x]]
                : Array.isArray(x)
                  ? x.map((e: unknown) => [p, e])
                  : [],
        );
        const unexplained = strings.filter(([, s]) => typeof s === "string" && !known.has(s));
        assert.deepEqual(unexplained, []);
        const generated = strings.filter(
            ([, s]) =>
                typeof s === "string" &&
                /^(?=.*[0-9])(?=.*[A-Z])(?=.*[a-z])[A-Za-z0-9+/=_-]{16,}$/.test(s),
        );
        assert.deepEqual(generated, []);
    });

    it("exports the secret lengths Harbor requires", () => {
        assert.deepEqual(HARBOR_SECRET_LENGTHS, {
            secretKey: 16,
            coreSecret: 16,
            xsrfKey: 32,
            jobserviceSecret: 16,
            registryHttpSecret: 16,
        });
    });
});

describe("harborHttpRouteSpec", () => {
    it("routes the external host to the chart's Service through the configured Gateway", () => {
        assert.deepEqual(harborHttpRouteSpec(harbor()), {
            parentRefs: [
                {
                    group: "gateway.networking.k8s.io",
                    kind: "Gateway",
                    name: "envoy-external",
                    namespace: "networking",
                    sectionName: "https",
                },
            ],
            hostnames: ["harbor.monosense.io"],
            rules: [
                {
                    matches: [{ path: { type: "PathPrefix", value: "/" } }],
                    backendRefs: [{ name: "harbor", port: 80 }],
                    timeouts: { request: "1h" },
                },
            ],
        });
    });

    // Envoy Gateway internal/gatewayapi/route.go (HTTPRequestTimeout = "15s") is the default of a
    // route without timeouts; goharbor/harbor-helm v1.19.1 (as v1.16.4) templates/nginx/configmap-http.yaml
    // gives /v2/ 900 s between reads. Gateway API v1.2.0 apis/v1/httproute_types.go made
    // rules[].timeouts Standard and bounds backendRequest by request (CEL), Duration by GEP-2257.
    it("sets route timeouts that fit a registry, configurable", () => {
        const rule = (raw: Record<string, unknown>) =>
            (harborHttpRouteSpec(harbor(raw)) as any).rules[0].timeouts;
        assert.deepEqual(rule({}), { request: "1h" });
        assert.deepEqual(rule({ timeouts: { request: "2h", backendRequest: "90m" } }), {
            request: "2h",
            backendRequest: "90m",
        });
        assert.deepEqual(rule({ timeouts: { request: "0s" } }), { request: "0s" });
    });

    it("rejects durations the Gateway API refuses, with the key", () => {
        const r = harborSchema.safeParse({ gateway: GATEWAY, timeouts: { request: "1 hour" } });
        assert.equal(r.success, false);
        assert.deepEqual(
            r.error.issues.map((i) => [i.path.join("."), i.message]),
            [
                [
                    "timeouts.request",
                    'must be a Gateway API duration such as "1h", "15m", "90s" or "0s" (no limit)',
                ],
            ],
        );
        assert.deepEqual(
            harborProblems(harbor({ timeouts: { request: "15m", backendRequest: "1h" } })),
            [
                {
                    key: "harbor.timeouts.backendRequest",
                    value: "1h",
                    message:
                        "must not be longer than timeouts.request (15m): the Gateway API rejects such an HTTPRoute",
                },
            ],
        );
        // A zero request disables it, so any backendRequest fits (the CEL rule skips "0s").
        assert.deepEqual(
            harborProblems(harbor({ timeouts: { request: "0s", backendRequest: "1h" } })),
            [],
        );
        assert.deepEqual(
            harborProblems(harbor({ timeouts: { request: "1h30m", backendRequest: "90m" } })),
            [],
        );
    });
});
