import { strict as assert } from "node:assert";
import {
    fixtureInfraRun,
    plainOccurrences,
    runStack,
    SECRET_PREFIX,
    fixtureSettings,
    toConfigMap,
    fixtureConfig,
    type Registration,
    type Run,
    isSecretMarker,
} from "./mocks";
import { runProgram } from "../scripts/mock-runtime";
import { scramSha256Verifier } from "../components/postgres/scram";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const ROLE = "postgresql:index/role:Role";
const DATABASE = "postgresql:index/database:Database";
const GRANT = "postgresql:index/grant:Grant";
const EXTENSION = "postgresql:index/extension:Extension";
const ITEM = "onepassword:index/item:Item";
const BYTES = "random:index/randomBytes:RandomBytes";

const ref = (type: string, name: string) => `${type}::${name}`;

describe("infra stack wiring (the infra fixture under mocks)", () => {
    let run: Run;
    before(async () => {
        run = await fixtureInfraRun();
    });

    it("installs the CNPG operator chart 0.29.0 as a named release with the seed's resources", () => {
        const rel = run.inputs(RELEASE, "cloudnative-pg");
        assert.equal(rel.name, "cloudnative-pg");
        assert.equal(rel.namespace, "cnpg-system");
        assert.equal(rel.chart, "cloudnative-pg");
        assert.equal(rel.version, "0.29.0");
        assert.deepEqual(rel.repositoryOpts, { repo: "https://cloudnative-pg.github.io/charts" });
        assert.equal(rel.skipAwait, false);
        const values = rel.values as Record<string, unknown>;
        assert.deepEqual(values.resources, {
            requests: { cpu: "100m", memory: "256Mi" },
            limits: { cpu: "200m", memory: "256Mi" },
        });
        assert.deepEqual(values.crds, { create: true });
    });

    it("labels cnpg-system for Talos (baseline enforced, restricted warned) and protects it", () => {
        const ns = run.get("kubernetes:core/v1:Namespace", "cnpg-system");
        const labels = (
            run.inputs("kubernetes:core/v1:Namespace", "cnpg-system").metadata as {
                labels: Record<string, string>;
            }
        ).labels;
        assert.equal(labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
        assert.equal(ns.protect, true, "deleting the namespace would delete the cluster's volumes");
    });

    it("creates shared-postgres after the operator release, protected, waiting for Ready", () => {
        const cluster = run.get(CLUSTER, "shared-postgres");
        assert.equal(cluster.protect, true);
        assert.ok(cluster.dependencies.includes(ref(RELEASE, "cloudnative-pg")));
        assert.ok(cluster.dependencies.includes(ref(SECRET, "shared-postgres-superuser")));
        assert.ok(cluster.dependencies.includes(ref(SECRET, "shared-postgres-backup-s3")));
        const meta = run.inputs(CLUSTER, "shared-postgres").metadata as {
            annotations: Record<string, string>;
            namespace: string;
        };
        assert.equal(meta.namespace, "cnpg-system");
        assert.equal(meta.annotations["pulumi.com/waitFor"], "condition=Ready");
    });

    it("schedules daily backups at 02:00 with a six-field cron, after the cluster", () => {
        const sb = run.get(SCHEDULED, "shared-postgres-daily");
        assert.deepEqual(sb.dependencies, [ref(CLUSTER, "shared-postgres")]);
        const spec = run.inputs(SCHEDULED, "shared-postgres-daily").spec as Record<string, unknown>;
        assert.equal(spec.schedule, "0 0 2 * * *");
        assert.deepEqual(spec.cluster, { name: "shared-postgres" });
    });

    it("fills the backup credentials Secret from the MinIO 1Password item, as secrets", () => {
        const lookups = run.result.invocations.filter(
            (i) => i.token === "onepassword:index/getItem:getItem",
        );
        assert.ok(lookups.some((l) => l.inputs.title === "kubernetes/infra/cloudnative-pg/minio"));
        const secret = run.get(SECRET, "shared-postgres-backup-s3");
        assert.deepEqual(plainOccurrences(secret.inputs, SECRET_PREFIX), []);
        const data = run.inputs(SECRET, "shared-postgres-backup-s3").stringData as Record<
            string,
            string
        >;
        assert.equal(
            data.ACCESS_KEY_ID,
            `${SECRET_PREFIX}kubernetes/infra/cloudnative-pg/minio/accessKey`,
        );
        assert.equal(
            data.ACCESS_SECRET_KEY,
            `${SECRET_PREFIX}kubernetes/infra/cloudnative-pg/minio/secretKey`,
        );
    });

    // Role names and limits come from the fixture settings (the live system's names, e.g.
    // gitlab_app), so that renaming a role there does not need an edit here.
    const fixtureTenants = fixtureSettings("infra")["platform:tenants"] as {
        name: string;
        role: string;
        connectionLimit: number;
        databases: { name: string }[];
    }[];
    for (const [tenant, role, db, limit] of fixtureTenants.map(
        (t) => [t.name, t.role, t.databases[0]?.name ?? "", t.connectionLimit] as const,
    )) {
        describe(`tenant ${tenant}`, () => {
            it("has a login role with its connection limit and no elevated attributes, after the cluster is Ready", () => {
                const r = run.inputs(ROLE, role);
                assert.equal(r.login, true);
                assert.equal(r.connectionLimit, limit);
                assert.equal(r.replication, false);
                assert.equal(r.superuser, false);
                assert.equal(r.createDatabase, false);
                assert.equal(r.createRole, false);
                assert.ok(
                    run.get(ROLE, role).dependencies.includes(ref(CLUSTER, "shared-postgres")),
                );
            });

            it("sends PostgreSQL the SCRAM verifier of the Secret's password (secret, salted from state), never the cleartext", () => {
                const raw = run.get(ROLE, role);
                assert.ok(isSecretMarker(raw.inputs.password));
                const salt = run.get(BYTES, `${tenant}-db-password-salt`);
                assert.equal(salt.parent, ref("platform:postgres:Tenant", tenant));
                assert.equal(run.inputs(BYTES, salt.name).length, 16);
                assert.ok(raw.dependencies.includes(ref(BYTES, salt.name)));
                // The mock's RandomBytes: the bytes of render-secret-<name>, cut to the length.
                const saltBytes = Buffer.alloc(16, `${SECRET_PREFIX}${salt.name}`);
                const cleartext = (
                    run.inputs(SECRET, `${tenant}-db-credentials`).stringData as {
                        password: string;
                    }
                ).password;
                assert.equal(
                    run.inputs(ROLE, role).password,
                    scramSha256Verifier(cleartext, saltBytes),
                );
                assert.ok(
                    run.get(ROLE, role).dependencies.includes(ref(CLUSTER, "shared-postgres")),
                );
            });

            it("owns its protected database", () => {
                const d = run.get(DATABASE, db);
                assert.equal(d.protect, true);
                assert.equal(run.inputs(DATABASE, db).owner, role);
                assert.ok(d.dependencies.includes(ref(ROLE, role)));
            });

            it("chains revoke PUBLIC → grant owner → grant pooler auth user on its database", () => {
                const revoke = run.get(GRANT, `${db}-revoke-public`);
                const owner = run.get(GRANT, `${db}-${role}`);
                const pooler = run.get(GRANT, `${db}-cnpg_pooler_pgbouncer`);
                assert.deepEqual(run.inputs(GRANT, `${db}-revoke-public`).privileges, []);
                assert.equal(run.inputs(GRANT, `${db}-revoke-public`).role, "public");
                assert.deepEqual(run.inputs(GRANT, `${db}-${role}`).privileges, [
                    "CONNECT",
                    "CREATE",
                    "TEMPORARY",
                ]);
                assert.deepEqual(run.inputs(GRANT, `${db}-cnpg_pooler_pgbouncer`).privileges, [
                    "CONNECT",
                ]);
                assert.ok(revoke.dependencies.includes(ref(DATABASE, db)));
                assert.ok(owner.dependencies.includes(ref(GRANT, `${db}-revoke-public`)));
                assert.ok(pooler.dependencies.includes(ref(GRANT, `${db}-${role}`)));
                assert.ok(pooler.dependencies.includes(ref(ROLE, "cnpg_pooler_pgbouncer")));
            });

            it("creates its credentials Secret after the cluster's namespace", () => {
                const secret = run.get(SECRET, `${tenant}-db-credentials`);
                assert.ok(
                    secret.dependencies.includes(
                        ref("kubernetes:core/v1:Namespace", "cnpg-system"),
                    ),
                );
            });

            it("stores its credentials in a basic-auth Secret in the cluster namespace and a 1Password item", () => {
                const s = run.inputs(SECRET, `${tenant}-db-credentials`);
                assert.equal(s.type, "kubernetes.io/basic-auth");
                assert.equal((s.metadata as { namespace: string }).namespace, "cnpg-system");
                assert.deepEqual(s.stringData, {
                    username: role,
                    password: `${SECRET_PREFIX}${tenant}-db-password`,
                });
                const item = run.inputs(ITEM, `${tenant}-db`);
                assert.equal(item.title, `kubernetes/infra/cloudnative-pg/${tenant}`);
                assert.equal(item.vault, "render-vault-Infra");
                assert.equal(item.username, role);
                const fields = (
                    (item.sections as { fields: { label: string; value: string }[] }[])[0]
                        ?.fields ?? []
                ).map((f) => [f.label, f.value]);
                assert.deepEqual(Object.fromEntries(fields), {
                    host: `${tenant}-pooler.cnpg-system.svc`,
                    port: "5432",
                    database: db,
                    sslmode: "require",
                });
            });

            it("gets a Pooler <tenant>-pooler on shared-postgres after the operator and the cluster", () => {
                const p = run.get(POOLER, `${tenant}-pooler`);
                assert.ok(p.dependencies.includes(ref(RELEASE, "cloudnative-pg")));
                // CNPG would create cnpg_pooler_pgbouncer itself once it sees a Pooler.
                assert.ok(p.dependencies.includes(ref(ROLE, "cnpg_pooler_pgbouncer")));
                assert.ok(p.dependencies.includes(ref(CLUSTER, "shared-postgres")));
                const spec = run.inputs(POOLER, `${tenant}-pooler`).spec as {
                    cluster: { name: string };
                    type: string;
                };
                assert.deepEqual(spec.cluster, { name: "shared-postgres" });
                assert.equal(spec.type, "rw");
            });
        });
    }

    it("installs uuid-ossp in harbor_registry after the grants", () => {
        const ext = run.get(EXTENSION, "harbor_registry-uuid-ossp");
        assert.ok(ext.dependencies.includes(ref(GRANT, "harbor_registry-cnpg_pooler_pgbouncer")));
        assert.equal(
            run.inputs(EXTENSION, "harbor_registry-uuid-ossp").database,
            "harbor_registry",
        );
    });

    // pulumi-kubernetes 4.34.2 provider.d.ts / provider/pkg/provider/provider.go DiffConfig: with
    // clusterIdentifier set and unchanged, kubeconfig/context changes never replace the provider.
    it("pins the Kubernetes provider's clusterIdentifier to the stack's cluster (infra)", () => {
        const p = run.inputs("pulumi:providers:kubernetes", "infra");
        assert.equal(p.clusterIdentifier, "infra");
        assert.equal(p.context, "admin@infra");
    });

    it("connects the PostgreSQL provider as the superuser through the port-forward with sslmode=require", () => {
        const p = run.inputs("pulumi:providers:postgresql", "shared-postgres");
        assert.equal(p.host, "127.0.0.1");
        assert.equal(String(p.port), "15432");
        assert.equal(p.sslmode, "require");
        assert.equal(p.username, "postgres");
        // Provider inputs travel as strings.
        assert.equal(String(p.superuser), "true");
        assert.equal(p.password, `${SECRET_PREFIX}shared-postgres-superuser`);
    });

    it("pushes the superuser credentials to 1Password", () => {
        const item = run.inputs(ITEM, "shared-postgres-superuser");
        assert.equal(item.title, "kubernetes/infra/cloudnative-pg/superuser");
        assert.equal(item.username, "postgres");
    });

    it("parents every resource to a platform component or the stack", () => {
        const orphans = run.registrations.filter(
            (r: Registration) => r.type !== "pulumi:pulumi:Stack" && !r.parent,
        );
        assert.deepEqual(
            orphans.map((r) => `${r.type}::${r.name}`),
            [],
        );
        for (const c of run.registrations.filter(
            (r) => !r.custom && r.type.startsWith("platform:"),
        )) {
            assert.match(c.type, /^platform:[a-z-]+:[A-Z][A-Za-z]+$/);
        }
    });

    it("exports a tenant's password (secret) only when the apps cluster can reach its pooler", () => {
        const tenants = run.outputs.tenants as Record<string, { password?: string }>;
        assert.equal(tenants.gitlab?.password, `${SECRET_PREFIX}gitlab-db-password`);
        assert.equal(tenants.harbor?.password, undefined);
        assert.equal(tenants.keycloak?.password, undefined);
    });

    it("keeps every generated secret out of plain inputs and outputs", () => {
        const leaks = run.registrations.flatMap((r) =>
            plainOccurrences(r.inputs, SECRET_PREFIX).map((p) => `${r.type}::${r.name} ${p}`),
        );
        assert.deepEqual(leaks, []);
        assert.deepEqual(plainOccurrences(run.result.outputs, SECRET_PREFIX), []);
    });
});

describe("infra stack with the cluster outside the operator's namespace", () => {
    it("creates the cluster's namespace itself, protected, and puts the cluster's Secrets after it", async () => {
        const settings = structuredClone(fixtureSettings("infra")) as Record<string, any>;
        settings["platform:postgres"].namespace = "databases";
        const run = await runStack("infra", toConfigMap(settings));
        const ns = run.get("kubernetes:core/v1:Namespace", "databases");
        assert.equal(ns.parent, "platform:postgres:Cluster::shared-postgres");
        assert.equal(ns.protect, true);
        assert.equal(run.get("kubernetes:core/v1:Namespace", "cnpg-system").protect, false);
        for (const secret of [
            "shared-postgres-superuser",
            "shared-postgres-backup-s3",
            "harbor-db-credentials",
        ]) {
            assert.ok(
                run
                    .get(SECRET, secret)
                    .dependencies.includes(ref("kubernetes:core/v1:Namespace", "databases")),
                secret,
            );
        }
        assert.equal((run.inputs(POOLER, "harbor-pooler").metadata as any).namespace, "databases");
    });
});

describe("1Password lookups", () => {
    it("fails the deployment naming the item and the missing field", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../index") as () => unknown;
        await assert.rejects(
            runProgram(program, {
                stack: "infra",
                config: fixtureConfig("infra"),
                onePasswordItems: {
                    "kubernetes/infra/cloudnative-pg/minio": { accessKey: "AKIA-render" },
                },
            }),
            (err: Error) => {
                assert.equal(
                    err.message,
                    '1Password item "kubernetes/infra/cloudnative-pg/minio" has no field "secretKey"; add it in the vault (fields expected: accessKey, secretKey)',
                );
                return true;
            },
        );
    });
});
