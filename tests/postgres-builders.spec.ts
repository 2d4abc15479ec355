import { strict as assert } from "node:assert";
import { parseConfig, type PlatformConfig } from "../components/config";
import { cnpgOperatorValues } from "../components/cnpg/operator";
import { clusterBudget, tenantBudget } from "../components/postgres/budget";
import { cronProblem } from "../components/postgres/cron";
import {
    buildClusterSpec,
    buildPoolerSpec,
    buildScheduledBackupSpec,
} from "../components/postgres/spec";
import { parseQuantity } from "../components/quantity";
import { fixtureConfig } from "./mocks";

const infra: PlatformConfig = parseConfig(fixtureConfig("infra"));
const pg = infra.postgres!;
const [harbor, gitlab, keycloak] = infra.tenants;

describe("CNPG builders", () => {
    describe("buildClusterSpec", () => {
        const spec = buildClusterSpec(pg, infra.tenants) as Record<string, any>;

        it("pins the PostgreSQL 16 system image and the seed's sizes", () => {
            assert.equal(spec.instances, 3);
            assert.equal(spec.imageName, "ghcr.io/cloudnative-pg/postgresql:16.15-system-trixie");
            assert.deepEqual(spec.storage, { size: "500Gi", storageClass: "rook-ceph-block" });
            assert.deepEqual(spec.walStorage, { size: "200Gi", storageClass: "rook-ceph-block" });
            assert.deepEqual(spec.resources, {
                requests: { cpu: "2", memory: "8Gi" },
                limits: { cpu: "4", memory: "16Gi" },
            });
        });

        it("sets max_connections from the budgeted value, as a string like every parameter", () => {
            assert.equal(spec.postgresql.parameters.max_connections, "400");
            for (const [k, v] of Object.entries(
                spec.postgresql.parameters as Record<string, unknown>,
            )) {
                assert.equal(typeof v, "string", `${k} must be a string`);
            }
            // The rules before the configured one: tests/access.spec.ts.
            assert.equal(spec.postgresql.pg_hba.at(-1), "hostssl all all all scram-sha-256");
        });

        it("enables superuser access through the generated secret", () => {
            assert.equal(spec.enableSuperuserAccess, true);
            assert.deepEqual(spec.superuserSecret, { name: "shared-postgres-superuser" });
        });

        it("spreads instances across nodes", () => {
            assert.deepEqual(spec.affinity, {
                enablePodAntiAffinity: true,
                topologyKey: "kubernetes.io/hostname",
                podAntiAffinityType: "preferred",
            });
        });

        it("backs up to MinIO with compression, retention and the S3 checksum workaround, asking for no encryption", () => {
            assert.deepEqual(spec.backup, {
                retentionPolicy: "30d",
                target: "prefer-standby",
                barmanObjectStore: {
                    destinationPath: "s3://monosense-cnpg/shared-postgres",
                    endpointURL: "http://10.25.11.3:9000",
                    s3Credentials: {
                        accessKeyId: { name: "shared-postgres-backup-s3", key: "ACCESS_KEY_ID" },
                        secretAccessKey: {
                            name: "shared-postgres-backup-s3",
                            key: "ACCESS_SECRET_KEY",
                        },
                    },
                    // No encryption key: CNPG 1.30.0's (as 1.26.1's) Cluster CRD
                    // (postgresql.cnpg.io_clusters.yaml, barmanObjectStore.wal/data.encryption):
                    // "empty string (use the bucket policy, default)". MinIO without a KMS
                    // rejects SSE requests.
                    wal: { compression: "gzip", maxParallel: 4 },
                    data: { compression: "gzip", jobs: 2 },
                },
            });
            assert.deepEqual(spec.env, [
                { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
                { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
            ]);
        });

        it("adds the pooler Services to the server certificate so clients can verify-full", () => {
            const alt = spec.certificates.serverAltDNSNames as string[];
            assert.ok(alt.includes("harbor-pooler.cnpg-system.svc"));
            assert.ok(alt.includes("gitlab-pooler.cnpg-system.svc.cluster.local"));
            assert.equal(alt.length, 12);
        });

        it("exposes the primary to the admin network through a CNPG-managed LoadBalancer", () => {
            const lb = buildClusterSpec(
                {
                    ...pg,
                    adminService: {
                        ...pg.adminService,
                        enabled: true,
                        sourceRanges: ["10.25.11.50/32"],
                    },
                },
                infra.tenants,
            ) as Record<string, any>;
            assert.deepEqual(lb.managed.services.additional, [
                {
                    selectorType: "rw",
                    serviceTemplate: {
                        metadata: {
                            name: "shared-postgres-admin",
                            annotations: { "lbipam.cilium.io/ips": "10.25.11.210" },
                        },
                        spec: {
                            type: "LoadBalancer",
                            externalTrafficPolicy: "Local",
                            loadBalancerSourceRanges: ["10.25.11.50/32"],
                        },
                    },
                },
            ]);
        });

        it("leaves out backup, env and the admin Service when not configured", () => {
            const bare = buildClusterSpec(
                { ...pg, backup: undefined, adminService: { ...pg.adminService, enabled: false } },
                [],
            );
            assert.equal(bare.backup, undefined);
            assert.equal(bare.env, undefined);
            assert.equal(bare.managed, undefined);
            assert.equal(bare.certificates, undefined);
        });
    });

    it("asks for server-side encryption only when configured", () => {
        const b = { ...pg.backup!, encryption: "AES256" as const };
        const store = (buildClusterSpec({ ...pg, backup: b }, []).backup as Record<string, any>)
            .barmanObjectStore as Record<string, any>;
        assert.deepEqual(store.wal, { compression: "gzip", encryption: "AES256", maxParallel: 4 });
        assert.deepEqual(store.data, { compression: "gzip", encryption: "AES256", jobs: 2 });
    });

    it("schedules a daily backup owned by the ScheduledBackup, the first one at once", () => {
        assert.deepEqual(buildScheduledBackupSpec(pg), {
            cluster: { name: "shared-postgres" },
            schedule: "0 0 2 * * *",
            method: "barmanObjectStore",
            // CNPG 1.30.0 (as 1.26.1) ScheduledBackup CRD: immediate "If the first backup has to be
            // immediately start after creation or not" (default false): without it WAL archived
            // before the first 02:00 has no base backup to replay onto.
            immediate: true,
            target: "prefer-standby",
            backupOwnerReference: "self",
        });
        assert.equal(buildScheduledBackupSpec({ ...pg, backup: undefined }), undefined);
    });

    describe("buildPoolerSpec", () => {
        it("gives Harbor a session-mode rw pooler with string parameters", () => {
            const spec = buildPoolerSpec(pg, harbor!) as Record<string, any>;
            assert.deepEqual(spec.cluster, { name: "shared-postgres" });
            assert.equal(spec.instances, 3);
            assert.equal(spec.type, "rw");
            assert.equal(spec.pgbouncer.poolMode, "session");
            assert.deepEqual(spec.pgbouncer.parameters, {
                default_pool_size: "30",
                max_client_conn: "100",
            });
            assert.deepEqual(spec.template.spec.containers, []);
            assert.equal(
                spec.template.spec.affinity.podAntiAffinity
                    .preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm
                    .labelSelector.matchLabels["cnpg.io/poolerName"],
                "harbor-pooler",
            );
        });

        it("allows transaction mode where the tenant asks for it", () => {
            const spec = buildPoolerSpec(pg, gitlab!) as { pgbouncer: { poolMode: string } };
            assert.equal(spec.pgbouncer.poolMode, "transaction");
        });

        it("omits parameters when there are none", () => {
            const spec = buildPoolerSpec(pg, {
                ...keycloak!,
                pooler: { ...keycloak!.pooler, parameters: {} },
            }) as {
                pgbouncer: Record<string, unknown>;
            };
            assert.equal(spec.pgbouncer.parameters, undefined);
            assert.equal(spec.pgbouncer.poolMode, "session");
        });
    });

    it("builds the operator chart values from config", () => {
        assert.deepEqual(cnpgOperatorValues(infra.cnpg), {
            replicaCount: 1,
            crds: { create: true },
            config: { clusterWide: true },
            resources: {
                requests: { cpu: "100m", memory: "256Mi" },
                limits: { cpu: "200m", memory: "256Mi" },
            },
            monitoring: { podMonitorEnabled: true, grafanaDashboard: { create: false } },
        });
    });
});

describe("connection budget arithmetic", () => {
    it("counts pooler instances × databases × (default + reserve pool) per tenant", () => {
        const b = tenantBudget(harbor!);
        assert.equal(b.serverConnections, 3 * 1 * 30);
        const two = tenantBudget({
            ...harbor!,
            databases: [
                { name: "a", extensions: [] },
                { name: "b", extensions: [] },
            ],
            pooler: {
                ...harbor!.pooler,
                parameters: { default_pool_size: "10", reserve_pool_size: "5" },
            },
        });
        assert.equal(two.serverConnections, 3 * 2 * 15);
    });

    // cloudnative-pg v1.30.0 pkg/management/pgbouncer/config/config.go writes `auth_dbname =
    // postgres` (api/v1/pooler_types.go PoolerAuthDBName). pgbouncer/pgbouncer pgbouncer_1_25_1
    // (CNPG 1.30.0's image): src/client.c prepare_auth_database resolves that one database and
    // start_auth_query takes get_pool(auth_db, auth_user_credentials), one pool per process;
    // src/objects.c launch_new_connection sizes it by src/server.c pool_pool_size +
    // pool_res_pool_size like any pool; src/janitor.c closes idle ones after server_idle_timeout.
    it("counts one auth_query pool per instance, whatever the databases, sized like the tenant's", () => {
        assert.equal(tenantBudget(harbor!).authConnections, 3 * 30);
        const two = tenantBudget({
            ...harbor!,
            databases: [
                { name: "a", extensions: [] },
                { name: "b", extensions: [] },
            ],
            pooler: {
                ...harbor!.pooler,
                parameters: { default_pool_size: "10", reserve_pool_size: "5" },
            },
        });
        assert.equal(two.serverConnections, 3 * 2 * 15);
        assert.equal(two.authConnections, 3 * 15);
        const capped = tenantBudget({
            ...harbor!,
            pooler: { ...harbor!.pooler, parameters: { max_db_connections: "8" } },
        });
        assert.equal(capped.authConnections, 3 * 8);
        // max_user_connections bounds the auth user's pool of a process.
        const userCapped = tenantBudget({
            ...harbor!,
            databases: [
                { name: "a", extensions: [] },
                { name: "b", extensions: [] },
            ],
            pooler: { ...harbor!.pooler, parameters: { max_user_connections: "25" } },
        });
        assert.equal(userCapped.serverConnections, 3 * 25);
        assert.equal(userCapped.authConnections, 3 * 20);
        const authCapped = tenantBudget({
            ...harbor!,
            pooler: { ...harbor!.pooler, parameters: { max_user_connections: "7" } },
        });
        assert.equal(authCapped.authConnections, 3 * 7);
        assert.equal(
            tenantBudget({ ...harbor!, pooler: { ...harbor!.pooler, enabled: false } })
                .authConnections,
            0,
        );
    });

    it("honours max_db_connections and max_user_connections caps", () => {
        const capped = tenantBudget({
            ...harbor!,
            pooler: {
                ...harbor!.pooler,
                parameters: { default_pool_size: "50", max_db_connections: "8" },
            },
        });
        assert.equal(capped.serverConnections, 24);
        const userCapped = tenantBudget({
            ...harbor!,
            pooler: {
                ...harbor!.pooler,
                parameters: { default_pool_size: "50", max_user_connections: "5" },
            },
        });
        assert.equal(userCapped.serverConnections, 15);
    });

    it("counts nothing for a tenant without a pooler", () => {
        assert.equal(
            tenantBudget({ ...harbor!, pooler: { ...harbor!.pooler, enabled: false } })
                .serverConnections,
            0,
        );
    });

    it("sums role limits, auth logins and reserves for the cluster", () => {
        const c = clusterBudget(pg, infra.tenants);
        assert.equal(c.roleLimits, 180);
        // harbor 3 × 30 + gitlab 3 × 20 + keycloak 2 × 15
        assert.equal(c.authConnections, 180);
        assert.equal(c.required, 180 + 180 + 3 + 10);
        assert.equal(c.maxConnections, 400);
        const custom = clusterBudget(
            { ...pg, parameters: { superuser_reserved_connections: "10" } },
            infra.tenants,
        );
        assert.equal(custom.superuserReserved, 10);
    });
});

describe("CNPG cron", () => {
    for (const ok of ["0 0 2 * * *", "*/30 * * * * *", "0 0 2 * * 1-5", "@daily", "@every 1h"]) {
        it(`accepts ${ok}`, () => assert.equal(cronProblem(ok), undefined));
    }
    it("rejects a five-field cron and says what it would do", () => {
        assert.match(
            cronProblem("40 4 * * *") ?? "",
            /runs at second 40 of minute 4 of hour \*.*Write "0 40 4 \* \* \*"/,
        );
    });
    it("rejects garbage fields", () => {
        assert.equal(cronProblem("0 0 2 * * $"), 'field "$" is not a cron field');
    });
});

describe("quantities", () => {
    it("parses binary and decimal suffixes", () => {
        assert.equal(parseQuantity("500m"), 0.5);
        assert.equal(parseQuantity("8Gi"), 8 * 2 ** 30);
        assert.equal(parseQuantity("1G"), 1e9);
        assert.throws(() => parseQuantity("8GB"), /"8GB" is not a Kubernetes quantity/);
    });
});
