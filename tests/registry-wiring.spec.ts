import { strict as assert } from "node:assert";
import { ConfigError, parseConfig } from "../components/config";
import { HARBOR_SECRETS } from "../components/harbor/component";
import {
    fixtureInfraRun,
    isSecretMarker,
    plainOccurrences,
    runStack,
    SECRET_PREFIX,
    fixtureSettings,
    toConfigMap,
    type Run,
} from "./mocks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const ITEM = "onepassword:index/item:Item";
const DRAGONFLY = "kubernetes:dragonflydb.io/v1alpha1:Dragonfly";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const ROBOT = "pulumi-nodejs:dynamic/harbor:Robot";
const PROJECT = "pulumi-nodejs:dynamic/harbor:Project";
const GC = "pulumi-nodejs:dynamic/harbor:GcSchedule";
const ref = (type: string, name: string) => `${type}::${name}`;

/** Paths inside `value` that hold a secret marker. */
function secretPaths(value: unknown, at = ""): string[] {
    if (isSecretMarker(value)) return [at];
    if (value && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
            secretPaths(v, at ? `${at}.${k}` : k),
        );
    }
    return [];
}

function fieldsOf(run: Run, item: string): Record<string, string> {
    const sections = run.inputs(ITEM, item).sections as {
        fields: { label: string; value: string }[];
    }[];
    return Object.fromEntries((sections[0]?.fields ?? []).map((f) => [f.label, f.value]));
}

describe("infra registry wiring (Dragonfly, Harbor, Harbor projects)", () => {
    let run: Run;
    before(async () => {
        run = await fixtureInfraRun();
    });

    describe("Dragonfly", () => {
        it("installs the operator chart from its OCI repository with an explicit name", () => {
            const rel = run.inputs(RELEASE, "dragonfly-operator");
            assert.equal(rel.name, "dragonfly-operator");
            assert.equal(
                rel.chart,
                "oci://ghcr.io/dragonflydb/dragonfly-operator/helm/dragonfly-operator",
            );
            assert.equal(rel.version, "v1.6.1");
            assert.equal(rel.namespace, "dragonfly-operator-system");
        });

        it("creates dragonfly/dragonfly after the operator and its password Secret, waiting for phase Ready", () => {
            const df = run.get(DRAGONFLY, "dragonfly");
            assert.ok(df.dependencies.includes(ref(RELEASE, "dragonfly-operator")));
            assert.ok(df.dependencies.includes(ref(SECRET, "dragonfly-auth")));
            const inputs = run.inputs(DRAGONFLY, "dragonfly") as any;
            assert.equal(inputs.metadata.namespace, "dragonfly");
            // dragonflydb/dragonfly-operator v1.6.1 internal/controller/util.go: PhaseReady = "Ready"
            // (exact match; the wait would time out on "ready" and Harbor would never install).
            assert.equal(
                inputs.metadata.annotations["pulumi.com/waitFor"],
                "jsonpath={.status.phase}=Ready",
            );
            assert.deepEqual(inputs.spec.authentication, {
                passwordFromSecret: { name: "dragonfly-auth", key: "password" },
            });
            assert.ok(inputs.spec.args.includes("--default_lua_flags=allow-undeclared-keys"));
        });

        it("switches the operator's cluster-unaware NetworkPolicy off: the CiliumNetworkPolicy guards 9999 (dragonfly-operator v1.6.1 deletes its policy when networkPolicyEnabled is false)", () => {
            const inputs = run.inputs(DRAGONFLY, "dragonfly") as any;
            assert.equal(inputs.spec.networkPolicyEnabled, false);
            const type = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
            const np = run.inputs(type, "dragonfly/dragonfly-clients") as any;
            const admin = np.spec.ingress.find(
                (r: any) => r.toPorts?.[0]?.ports?.[0]?.port === "9999",
            );
            assert.deepEqual(
                admin.fromEndpoints.map((e: any) => e.matchLabels),
                [
                    {
                        "k8s:io.kubernetes.pod.namespace": "dragonfly-operator-system",
                        "io.cilium.k8s.policy.cluster": "infra",
                        "control-plane": "controller-manager",
                        "app.kubernetes.io/name": "dragonfly-operator",
                    },
                    {
                        "k8s:io.kubernetes.pod.namespace": "dragonfly",
                        "io.cilium.k8s.policy.cluster": "infra",
                        app: "dragonfly",
                        "app.kubernetes.io/name": "dragonfly",
                    },
                ],
            );
        });

        it("pushes the generated password to kubernetes/infra/dragonfly/auth", () => {
            const item = run.inputs(ITEM, "dragonfly-auth");
            assert.equal(item.title, "kubernetes/infra/dragonfly/auth");
            assert.equal(item.password, `${SECRET_PREFIX}dragonfly-auth`);
        });

        it("admits Harbor's namespace of the infra cluster to port 6379 (a CiliumNetworkPolicy, after the namespace)", () => {
            const type = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
            const np = run.inputs(type, "dragonfly/dragonfly-clients") as any;
            assert.deepEqual(np.spec.ingress[0].fromEndpoints[0], {
                matchLabels: {
                    "k8s:io.kubernetes.pod.namespace": "harbor",
                    "io.cilium.k8s.policy.cluster": "infra",
                },
            });
            assert.ok(
                !run.has("kubernetes:networking.k8s.io/v1:NetworkPolicy", "dragonfly-clients"),
            );
            assert.ok(
                run
                    .get(type, "dragonfly/dragonfly-clients")
                    .dependencies.some((d) => d.startsWith("kubernetes:core/v1:Namespace::")),
            );
        });

        it("exports the address, the password's item (not the password) and the free logical databases", () => {
            const out = run.outputs.dragonfly as Record<string, unknown>;
            assert.equal(out.address, "dragonfly.dragonfly.svc.cluster.local:6379");
            assert.equal(
                "password" in out,
                false,
                "the README promises no Dragonfly password output",
            );
            assert.equal(out.item, "kubernetes/infra/dragonfly/auth");
            assert.deepEqual(out.freeDatabases, [3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
            assert.deepEqual(plainOccurrences(run.result.outputs, SECRET_PREFIX), []);
        });
    });

    describe("Harbor", () => {
        it("enforces Pod Security restricted on the protected harbor namespace", () => {
            const ns = run.get(NAMESPACE, "harbor");
            assert.equal(ns.protect, true);
            const labels = (run.inputs(NAMESPACE, "harbor").metadata as any).labels;
            assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
        });

        it("installs chart harbor 1.19.1 as release harbor after its secrets, the grants, the pooler and Dragonfly", () => {
            const rel = run.get(RELEASE, "harbor");
            const inputs = run.inputs(RELEASE, "harbor");
            assert.equal(inputs.name, "harbor");
            assert.equal(inputs.namespace, "harbor");
            assert.equal(inputs.version, "1.19.1");
            for (const name of Object.values(HARBOR_SECRETS)) {
                assert.ok(
                    rel.dependencies.includes(ref(SECRET, name)),
                    `release does not wait for ${name}`,
                );
            }
            assert.ok(
                rel.dependencies.includes(
                    ref("postgresql:index/extension:Extension", "harbor_registry-uuid-ossp"),
                ),
            );
            assert.ok(
                rel.dependencies.includes(
                    ref("kubernetes:postgresql.cnpg.io/v1:Pooler", "harbor-pooler"),
                ),
            );
            assert.ok(rel.dependencies.includes(ref(DRAGONFLY, "dragonfly")));
        });

        it("points Harbor at the harbor pooler and Dragonfly; the Redis password is the only secret value", () => {
            const values = run.inputs(RELEASE, "harbor").values as any;
            assert.equal(values.database.type, "external");
            assert.equal(values.database.external.host, "harbor-pooler.cnpg-system.svc");
            assert.equal(values.database.external.port, "5432");
            assert.equal(values.database.external.username, "harbor_app");
            assert.equal(values.database.external.coreDatabase, "harbor_registry");
            assert.equal(values.database.external.existingSecret, HARBOR_SECRETS.database);
            assert.equal(values.redis.external.addr, "dragonfly.dragonfly.svc.cluster.local:6379");
            assert.equal(values.redis.external.coreDatabaseIndex, "0");
            assert.equal(values.externalURL, "https://harbor.monosense.io");
            assert.equal(values.redis.external.existingSecret, undefined);
            assert.equal(values.redis.external.password, `${SECRET_PREFIX}dragonfly-auth`);
            // Every other credential is a Secret name; the one value is marked secret.
            const raw = run.get(RELEASE, "harbor").inputs;
            assert.deepEqual(plainOccurrences(raw, SECRET_PREFIX), []);
            assert.deepEqual(secretPaths(raw.values), ["redis.external.password"]);
        });

        it("generates every Harbor secret with the length Harbor requires", () => {
            const lengths: Record<string, number> = {
                "harbor-secret-key": 16,
                "harbor-core-secret": 16,
                "harbor-xsrf-key": 32,
                "harbor-jobservice-secret": 16,
                "harbor-registry-http-secret": 16,
            };
            for (const [name, length] of Object.entries(lengths)) {
                const pw = run.inputs("random:index/randomPassword:RandomPassword", name);
                assert.equal(pw.length, length, name);
                assert.equal(pw.special, false, name);
            }
        });

        it("stores the registry credentials with a bcrypt htpasswd entry and the token key pair as a TLS Secret", () => {
            const reg = run.inputs(SECRET, HARBOR_SECRETS.registryCredentials).stringData as Record<
                string,
                string
            >;
            assert.equal(
                reg.REGISTRY_HTPASSWD,
                `harbor_registry_user:$2a$10$${SECRET_PREFIX}harbor-registry-password`,
            );
            const token = run.inputs(SECRET, HARBOR_SECRETS.coreToken);
            assert.equal(token.type, "kubernetes.io/tls");
            assert.deepEqual(Object.keys(token.stringData as object).sort(), [
                "tls.crt",
                "tls.key",
            ]);
        });

        it("annotates every pod that uses the database or Redis with the credentials revision", () => {
            const values = run.inputs(RELEASE, "harbor").values as any;
            for (const c of ["core", "jobservice", "registry", "trivy", "exporter"]) {
                assert.deepEqual(
                    values[c].podAnnotations,
                    { "platform.monosense.io/credentials-revision": "db=0,redis=0" },
                    c,
                );
            }
            assert.equal(values.portal.podAnnotations, undefined);
        });

        it("rolls Harbor when the harbor tenant's or Dragonfly's password is rotated", async () => {
            const s = structuredClone(fixtureSettings("infra")) as Record<string, any>;
            s["platform:tenants"][0].passwordRotation = "2026-11";
            s["platform:dragonfly"].passwordRotation = "r2";
            const rotated = await runStack("infra", toConfigMap(s));
            const values = rotated.inputs(RELEASE, "harbor").values as any;
            assert.deepEqual(values.core.podAnnotations, {
                "platform.monosense.io/credentials-revision": "db=2026-11,redis=r2",
            });
            assert.deepEqual(
                rotated.inputs("random:index/randomPassword:RandomPassword", "harbor-db-password")
                    .keepers,
                { rotation: "2026-11" },
            );
            assert.deepEqual(
                rotated.inputs("random:index/randomPassword:RandomPassword", "dragonfly-auth")
                    .keepers,
                { rotation: "r2" },
            );
        });

        it("protects the admin password and secretKey against replacement", () => {
            assert.equal(
                run.get("random:index/randomPassword:RandomPassword", "harbor-admin-password")
                    .protect,
                true,
            );
            assert.equal(
                run.get("random:index/randomPassword:RandomPassword", "harbor-secret-key").protect,
                true,
            );
        });

        it("copies the harbor tenant's password into the harbor namespace", () => {
            const db = run.inputs(SECRET, HARBOR_SECRETS.database);
            assert.equal((db.metadata as any).namespace, "harbor");
            assert.deepEqual(db.stringData, { password: `${SECRET_PREFIX}harbor-db-password` });
        });

        it("pushes harbor-core (admin_password, secret_key) and harbor-registry (http_secret) to 1Password", () => {
            const core = fieldsOf(run, "harbor-core");
            assert.equal(core.admin_password, `${SECRET_PREFIX}harbor-admin-password`);
            assert.equal(core.secret_key, `${SECRET_PREFIX}harbor-secret-key`);
            assert.equal(
                fieldsOf(run, "harbor-registry").http_secret,
                `${SECRET_PREFIX}harbor-registry-http-secret`,
            );
            assert.equal(run.inputs(ITEM, "harbor-core").title, "harbor-core");
        });

        it("routes harbor.monosense.io through the configured Gateway after the release", () => {
            const route = run.get(ROUTE, "harbor");
            assert.ok(route.dependencies.includes(ref(RELEASE, "harbor")));
            const annotations = (run.inputs(ROUTE, "harbor").metadata as any).annotations;
            assert.equal(
                annotations["pulumi.com/waitFor"],
                'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True',
            );
            const spec = run.inputs(ROUTE, "harbor").spec as any;
            assert.deepEqual(spec.hostnames, ["harbor.monosense.io"]);
            assert.equal(spec.parentRefs[0].name, "envoy-external");
            assert.deepEqual(spec.rules[0].backendRefs, [{ name: "harbor", port: 80 }]);
        });
    });

    describe("Harbor configuration as code", () => {
        it("creates the seed projects and robots after the Harbor release", () => {
            for (const p of ["harbor-synergyflow", "harbor-kubekloud"]) {
                assert.ok(run.get(PROJECT, p).dependencies.includes(ref(RELEASE, "harbor")));
                // The API is reached through the route, which must be accepted first.
                assert.ok(run.get(PROJECT, p).dependencies.includes(ref(ROUTE, "harbor")));
            }
            const robot = run.inputs(ROBOT, "harbor-synergyflow-synergyflow-puller");
            assert.equal(robot.project, "synergyflow");
            assert.equal(robot.apiUrl, "https://harbor.monosense.io/api/v2.0");
            assert.equal(run.inputs(GC, "harbor-gc").schedule, "0 0 2 * * *");
        });

        it("pushes each project's robot credentials to harbor-robot-<project>, as secrets", () => {
            const item = run.get(ITEM, "harbor-robot-synergyflow");
            assert.ok(
                item.dependencies.includes(ref(ROBOT, "harbor-synergyflow-synergyflow-puller")),
            );
            const inputs = run.inputs(ITEM, "harbor-robot-synergyflow");
            assert.equal(inputs.title, "harbor-robot-synergyflow");
            assert.equal(inputs.username, "robot$synergyflow+synergyflow-puller");
            assert.equal(inputs.password, `${SECRET_PREFIX}harbor-synergyflow-synergyflow-puller`);
            assert.deepEqual(plainOccurrences(item.inputs, SECRET_PREFIX), []);
            assert.ok(run.has(ITEM, "harbor-robot-kubekloud"));
        });

        it("writes no production item from a second stack with its own itemPrefix", async () => {
            const s = structuredClone(fixtureSettings("infra")) as Record<string, any>;
            s["platform:onepassword"].itemPrefix = "kubernetes/infra-staging";
            const staging = await runStack("infra", toConfigMap(s));
            const titles = staging.registrations
                .filter((r) => r.type === ITEM)
                .map((r) => staging.inputs(ITEM, r.name).title as string);
            assert.ok(titles.length >= 8, titles.join(", "));
            for (const title of titles) {
                assert.ok(title.startsWith("kubernetes/infra-staging/"), title);
            }
            assert.ok(titles.includes("kubernetes/infra-staging/harbor-core"));
            assert.ok(titles.includes("kubernetes/infra-staging/harbor-registry"));
            assert.ok(titles.includes("kubernetes/infra-staging/harbor-robot-synergyflow"));
            // Production keeps the seed's titles.
            assert.equal(run.inputs(ITEM, "harbor-core").title, "harbor-core");
            assert.equal(run.inputs(ITEM, "harbor-registry").title, "harbor-registry");
        });
    });

    describe("config rules", () => {
        const problems = (edit: (s: Record<string, any>) => void): string[] => {
            const s = structuredClone(fixtureSettings("infra")) as Record<string, any>;
            edit(s);
            try {
                parseConfig(toConfigMap(s));
            } catch (e) {
                assert.ok(e instanceof ConfigError);
                return e.problems.map((p) => `${p.key}: ${p.message}`);
            }
            return [];
        };

        it("needs Dragonfly when Harbor is configured", () => {
            assert.deepEqual(
                problems((s) => delete s["platform:dragonfly"]),
                ["dragonfly: is required when platform:harbor is set (Harbor's Redis)"],
            );
        });

        it("needs a tenant named harbor when Harbor is configured", () => {
            assert.deepEqual(
                problems(
                    (s) =>
                        (s["platform:tenants"] = s["platform:tenants"].filter(
                            (t: any) => t.name !== "harbor",
                        )),
                ),
                [
                    'tenants: need a tenant named "harbor" when platform:harbor is set (Harbor\'s database, role and pooler)',
                ],
            );
        });

        it("rejects the chart's default 900 open connections per pod", () => {
            const found = problems((s) => (s["platform:harbor"].database.maxOpenConns = 900));
            assert.ok(
                found.some(
                    (p) => p.startsWith("harbor.database.maxOpenConns") && p.includes("4500"),
                ),
                found.join("\n"),
            );
        });

        it("rejects Harbor projects without Harbor", () => {
            assert.ok(
                problems((s) => {
                    delete s["platform:harbor"];
                }).includes("harborProjects: need platform:harbor (the registry they live in)"),
            );
        });

        it("rejects a five-field GC cron", () => {
            assert.deepEqual(
                problems((s) => (s["platform:harborProjects"].gc.schedule = "0 2 * * *")),
                [
                    'harborProjects.gc.schedule: "0 2 * * *" has 5 fields, but Harbor cron expressions have 6 fields with seconds first; did you mean "0 0 2 * * *"?',
                ],
            );
        });
    });
});

describe("harborProjects.imports", () => {
    it("rejects adopting objects the config does not declare", () => {
        const s = structuredClone(fixtureSettings("infra")) as Record<string, any>;
        s["platform:harborProjects"].imports = {
            projects: ["synergyflw"],
            robots: { "synergyflow/pusher": 7 },
            retentions: { synergyflow: 3 },
        };
        assert.throws(
            () => parseConfig(toConfigMap(s)),
            (e: ConfigError) => {
                assert.deepEqual(
                    e.problems.map((p) => `${p.key}: ${p.message}`),
                    [
                        "harborProjects.imports.projects: names no project declared in platform:harborProjects.projects (known: synergyflow, kubekloud); adoption only applies to declared objects",
                        "harborProjects.imports.robots.synergyflow/pusher: names no robot declared in platform:harborProjects.projects (known: synergyflow/synergyflow-puller, synergyflow/synergyflow-ci, kubekloud/kubekloud-puller); adoption only applies to declared objects",
                        "harborProjects.imports.retentions.synergyflow: names no project with a retention policy in platform:harborProjects.projects",
                    ],
                );
                return true;
            },
        );
    });
});
