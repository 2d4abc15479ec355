/**
 * Pure builders and checks of the apps stack (no mocks): the pull secret JSON, connection values,
 * ClusterMesh stubs, the co-located Cluster spec against the CNPG field names (in both the 1.26.1 and 1.30.0 CRDs), the infra
 * pooler's global annotation, config errors and the run-time checks against the infra outputs.
 */
import { strict as assert } from "node:assert";
import type * as onepassword from "@1password/pulumi-onepassword";
import { InfraOutputsError } from "../components/contract/infra-outputs";
import {
    formatProblem,
    parseConfig,
    type ApplicationConfig,
    type PlatformConfig,
} from "../components/config";
import { robotCredentials } from "../components/apps/application";
import {
    globalServices,
    infraProblems,
    parseInfraOutputs,
    pullRobotItem,
} from "../components/apps/infra";
import {
    buildColocatedClusterSpec,
    buildColocatedScheduledBackupSpec,
    connectionSecretData,
    dockerConfigJson,
    stubServiceSpec,
} from "../components/apps/spec";
import { buildPoolerSpec } from "../components/postgres/spec";

import { configProblems, fixtureSettings, toConfigMap } from "./mocks";

type Settings = Record<string, unknown>;

function appsWith(edit: (s: Settings) => void): Record<string, string> {
    const settings = structuredClone(fixtureSettings("apps"));
    edit(settings);
    return toConfigMap(settings);
}
const apps = (s: Settings) => s["platform:applications"] as Record<string, unknown>[];

const problemsOf = configProblems;

const appsConfig = (): PlatformConfig => parseConfig(toConfigMap(fixtureSettings("apps")));
const appNamed = (cfg: PlatformConfig, name: string): ApplicationConfig => {
    const app = cfg.applications.find((a) => a.name === name);
    assert.ok(app, `no application ${name}`);
    return app;
};

/** Infra outputs as buildInfra exports them for two tenants. */
const INFRA = {
    tenants: {
        gitlab: {
            host: "gitlab-pooler.cnpg-system.svc",
            port: 5432,
            role: "gitlab",
            databases: ["gitlabhq_production", "gitlab_ci"],
            poolMode: "transaction",
            item: "kubernetes/infra/cloudnative-pg/gitlab",
            password: "s3cr3t",
            global: true,
            service: "gitlab-pooler",
            namespace: "cnpg-system",
            sslmode: "require",
        },
        keycloak: {
            host: "keycloak-pooler.cnpg-system.svc",
            port: 5432,
            role: "keycloak",
            databases: ["keycloak"],
            item: "kubernetes/infra/cloudnative-pg/keycloak",
            password: "pw",
            global: false,
            service: "keycloak-pooler",
            namespace: "cnpg-system",
            sslmode: "require",
        },
    },
};

describe("apps builders", () => {
    it("dockerConfigJson: the exact .dockerconfigjson with base64(user:pass) auth", () => {
        const json = dockerConfigJson(
            "harbor.monosense.io",
            "robot$synergyflow+synergyflow-puller",
            "tok:en",
        );
        assert.equal(
            json,
            '{"auths":{"harbor.monosense.io":{"username":"robot$synergyflow+synergyflow-puller","password":"tok:en","auth":"' +
                Buffer.from("robot$synergyflow+synergyflow-puller:tok:en").toString("base64") +
                '"}}}',
        );
        const parsed = JSON.parse(json) as {
            auths: Record<string, { auth: string; username: string }>;
        };
        const auth = parsed.auths["harbor.monosense.io"]?.auth ?? "";
        assert.equal(
            Buffer.from(auth, "base64").toString(),
            "robot$synergyflow+synergyflow-puller:tok:en",
        );
    });

    it("connectionSecretData: every key, URL-escaped uri, quoted dsn", () => {
        const data = connectionSecretData({
            host: "gitlab-pooler.cnpg-system.svc.cluster.local",
            port: 5432,
            database: "gitlabhq_production",
            username: "gitlab",
            password: "p@ss w'rd",
            sslmode: "require",
        });
        assert.deepEqual(data, {
            host: "gitlab-pooler.cnpg-system.svc.cluster.local",
            port: "5432",
            database: "gitlabhq_production",
            username: "gitlab",
            password: "p@ss w'rd",
            sslmode: "require",
            uri: "postgresql://gitlab:p%40ss%20w'rd@gitlab-pooler.cnpg-system.svc.cluster.local:5432/gitlabhq_production?sslmode=require",
            dsn: "host=gitlab-pooler.cnpg-system.svc.cluster.local port=5432 dbname=gitlabhq_production user=gitlab password='p@ss w\\'rd' sslmode=require",
        });
    });

    it("stubServiceSpec: same name/namespace/ports, global annotation, no selector", () => {
        const stub = stubServiceSpec({
            name: "gitlab-pooler",
            namespace: "cnpg-system",
            ports: [{ name: "pgbouncer", port: 5432 }],
            description: "pooler of tenant gitlab",
        });
        assert.deepEqual(stub.metadata, {
            name: "gitlab-pooler",
            namespace: "cnpg-system",
            annotations: {
                "service.cilium.io/global": "true",
                "service.cilium.io/shared": "false",
            },
        });
        assert.equal("selector" in stub.spec, false);
        assert.deepEqual(stub.spec.ports, [
            { name: "pgbouncer", port: 5432, targetPort: 5432, protocol: "TCP" },
        ]);
    });

    it("infra poolers with pooler.global get the Cilium global annotation through serviceTemplate", () => {
        const infra = parseConfig(toConfigMap(fixtureSettings("infra")));
        const pg = infra.postgres;
        assert.ok(pg);
        const gitlab = infra.tenants.find((t) => t.name === "gitlab");
        const harbor = infra.tenants.find((t) => t.name === "harbor");
        assert.ok(gitlab && harbor);
        assert.equal(gitlab.pooler.global, true);
        assert.deepEqual(buildPoolerSpec(pg, gitlab).serviceTemplate, {
            metadata: { annotations: { "service.cilium.io/global": "true" } },
        });
        assert.equal("serviceTemplate" in buildPoolerSpec(pg, harbor), false);
    });
});

/** Field names the co-located Cluster may use: in the CNPG 1.30.0 Cluster CRD and in 1.26.1's (spec level). */
const CNPG_CLUSTER_SPEC_FIELDS = new Set([
    "affinity", "backup", "bootstrap", "certificates", "description", "enablePDB",
    "enableSuperuserAccess", "env", "envFrom", "ephemeralVolumeSource", "ephemeralVolumesSizeLimit",
    "externalClusters", "failoverDelay", "imageCatalogRef", "imageName", "imagePullPolicy",
    "imagePullSecrets", "inheritedMetadata", "instances", "livenessProbeTimeout", "logLevel",
    "managed", "maxSyncReplicas", "minSyncReplicas", "monitoring", "nodeMaintenanceWindow",
    "plugins", "postgresGID", "postgresUID", "postgresql", "primaryUpdateMethod",
    "primaryUpdateStrategy", "priorityClassName", "probes", "projectedVolumeTemplate", "replica",
    "replicationSlots", "resources", "schedulerName", "seccompProfile", "serviceAccountTemplate",
    "smartShutdownTimeout", "startDelay", "stopDelay", "storage", "superuserSecret",
    "switchoverDelay", "tablespaces", "topologySpreadConstraints", "walStorage",
]); // prettier-ignore
const CNPG_POSTGRESQL_FIELDS = new Set([
    "enableAlterSystem", "ldap", "parameters", "pg_hba", "pg_ident", "promotionTimeout",
    "shared_preload_libraries", "syncReplicaElectionConstraint", "synchronous",
]); // prettier-ignore
const CNPG_INITDB_FIELDS = new Set([
    "builtinLocale", "dataChecksums", "database", "encoding", "icuLocale", "icuRules", "import",
    "locale", "localeCType", "localeCollate", "localeProvider", "options", "owner",
    "postInitApplicationSQL", "postInitApplicationSQLRefs", "postInitSQL", "postInitSQLRefs",
    "postInitTemplateSQL", "postInitTemplateSQLRefs", "secret", "walSegmentSize",
]); // prettier-ignore
const CNPG_BACKUP_FIELDS = new Set([
    "barmanObjectStore",
    "retentionPolicy",
    "target",
    "volumeSnapshot",
]);

describe("co-located cluster spec (kubekloud-api, seed 004)", () => {
    const cfg = appsConfig();
    const app = appNamed(cfg, "kubekloud-api");
    const spec = buildColocatedClusterSpec(app);
    const postgresql = spec.postgresql as Record<string, unknown>;
    const bootstrap = spec.bootstrap as { initdb: Record<string, unknown> };
    const backup = spec.backup as Record<string, unknown>;

    it("uses only Cluster fields of both CNPG 1.26.1 and 1.30.0", () => {
        for (const k of Object.keys(spec)) assert.ok(CNPG_CLUSTER_SPEC_FIELDS.has(k), k);
        for (const k of Object.keys(postgresql)) assert.ok(CNPG_POSTGRESQL_FIELDS.has(k), k);
        for (const k of Object.keys(bootstrap)) assert.equal(k, "initdb");
        for (const k of Object.keys(bootstrap.initdb)) assert.ok(CNPG_INITDB_FIELDS.has(k), k);
        for (const k of Object.keys(backup)) assert.ok(CNPG_BACKUP_FIELDS.has(k), k);
        assert.equal("monitoring" in spec, false, "the seed's monitoring.enabled is not a field");
    });

    it("bootstraps database kubekloud owned by kubekloud from the credentials Secret", () => {
        assert.deepEqual(bootstrap.initdb, {
            database: "kubekloud",
            owner: "kubekloud",
            secret: { name: "kubekloud-api-postgres-credentials" },
        });
        assert.equal(spec.instances, 1);
        assert.equal(spec.imageName, "ghcr.io/cloudnative-pg/postgresql:16.15-system-trixie");
        assert.deepEqual(spec.storage, { size: "10Gi" });
    });

    it("tunes parameters as strings, with pg_stat_statements managed by CNPG, not preloaded by hand", () => {
        const params = postgresql.parameters as Record<string, unknown>;
        for (const v of Object.values(params)) assert.equal(typeof v, "string");
        assert.equal(params.shared_buffers, "128MB");
        assert.equal(params.max_connections, "100");
        assert.equal(params["pg_stat_statements.track"], "all");
        assert.equal("shared_preload_libraries" in params, false);
        assert.equal("shared_preload_libraries" in postgresql, false);
    });

    it("backs up to s3://postgres-backups/<app> with the S3 checksum env and a 6-field schedule", () => {
        const store = backup.barmanObjectStore as Record<string, unknown>;
        assert.equal(store.destinationPath, "s3://postgres-backups/kubekloud-api");
        assert.deepEqual(store.s3Credentials, {
            accessKeyId: { name: "kubekloud-api-postgres-backup-s3", key: "ACCESS_KEY_ID" },
            secretAccessKey: { name: "kubekloud-api-postgres-backup-s3", key: "ACCESS_SECRET_KEY" },
        });
        assert.deepEqual(
            (spec.env as { name: string }[]).map((e) => e.name),
            ["AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION"],
        );
        // No SSE unless configured (the bucket's policy decides; MinIO without KMS rejects it).
        assert.equal("encryption" in (store.wal as Settings), false);
        assert.equal("encryption" in (store.data as Settings), false);
        const sb = buildColocatedScheduledBackupSpec(app);
        assert.equal(sb?.immediate, true);
        assert.equal(sb?.schedule, "0 0 3 * * *");
        assert.deepEqual(sb?.cluster, { name: "kubekloud-api-postgres" });
    });

    it("defaults the backup path to s3://postgres-backups/<app name>", () => {
        const cfg2 = parseConfig(
            appsWith((s) => {
                const b = (apps(s)[2]?.postgres as Settings).backup as Settings;
                delete b.destinationPath;
            }),
        );
        const store = (
            buildColocatedClusterSpec(appNamed(cfg2, "kubekloud-api")).backup as Settings
        ).barmanObjectStore as Settings;
        assert.equal(store.destinationPath, "s3://postgres-backups/kubekloud-api");
    });
});

describe("apps config errors", () => {
    it("accepts the apps fixture settings", () => {
        assert.deepEqual(problemsOf(toConfigMap(fixtureSettings("apps"))), []);
    });

    it("rejects duplicate application names and namespaces", () => {
        const problems = problemsOf(
            appsWith((s) => {
                apps(s).push(
                    { name: "synergyflow" },
                    { name: "other", namespace: "kubekloud-api" },
                );
            }),
        );
        assert.deepEqual(problems, [
            'platform:applications[3].name = "synergyflow": is already used by applications[1]; each application needs its own name',
            'platform:applications[3].namespace = "synergyflow": is already used by applications[1]; each application needs its own namespace',
            'platform:applications[4].namespace = "kubekloud-api": is already used by applications[2]; each application needs its own namespace',
        ]);
    });

    it("rejects a tenant not in platform:knownTenants, before anything runs", () => {
        const problems = problemsOf(
            appsWith((s) => {
                (apps(s)[0] as Settings).tenant = "gitlab-old";
            }),
        );
        assert.deepEqual(problems, [
            'platform:applications[0].tenant = "gitlab-old": is not a tenant of the infra stack; known tenants (platform:knownTenants): harbor, gitlab, keycloak',
        ]);
    });

    it("requires infraStack on apps, rejects a 5-field backup cron and shared_preload_libraries in parameters", () => {
        const problems = problemsOf(
            appsWith((s) => {
                delete s["platform:infraStack"];
                const pg = apps(s)[2]?.postgres as Settings;
                (pg.backup as Settings).schedule = "0 3 * * *";
                pg.parameters = { shared_preload_libraries: "pg_stat_statements" };
            }),
        );
        assert.equal(problems.length, 3, problems.join("\n"));
        assert.equal(
            problems[0],
            'platform:infraStack: is required when role is "apps": the infra stack to read through a StackReference, such as "organization/platform/infra"',
        );
        assert.ok(
            problems.includes(
                'platform:applications[2].postgres.parameters.shared_preload_libraries = "pg_stat_statements": is managed by CloudNativePG: set postgres.sharedPreloadLibraries, or a "pg_stat_statements.*" parameter (CloudNativePG then preloads and creates pg_stat_statements itself)',
            ),
        );
        assert.ok(
            problems.some((p) =>
                p.startsWith(
                    'platform:applications[2].postgres.backup.schedule = "0 3 * * *": has 5 fields',
                ),
            ),
        );
    });

    it("rejects a non-PG16 image, a tenant combined with postgres, and database without tenant", () => {
        const problems = problemsOf(
            appsWith((s) => {
                const kk = apps(s)[2] as Settings;
                (kk.postgres as Settings).imageName = "ghcr.io/cloudnative-pg/postgresql:17.2";
                kk.tenant = "gitlab";
                (apps(s)[1] as Settings).database = "synergy";
            }),
        );
        assert.deepEqual(problems, [
            'platform:applications[2].postgres.imageName = "ghcr.io/cloudnative-pg/postgresql:17.2": must be a PostgreSQL 16 image with its tag, such as "ghcr.io/cloudnative-pg/postgresql:16.15-system-trixie" (CloudNativePG 1.30 defaults to PostgreSQL 18)',
        ]);
        const semantic = problemsOf(
            appsWith((s) => {
                (apps(s)[2] as Settings).tenant = "gitlab";
                (apps(s)[1] as Settings).database = "synergy";
            }),
        );
        assert.deepEqual(semantic, [
            "platform:applications[1].database = \"synergy\": needs tenant (it names one of the tenant's databases); a co-located cluster's database is postgres.database",
            'platform:applications[2].postgres: cannot be combined with tenant "gitlab": an application uses either a shared tenant or a co-located cluster',
        ]);
    });
});

describe("apps checks against the infra stack's outputs", () => {
    const cfg = appsConfig();
    const infra = parseInfraOutputs(INFRA);

    it("lists only global services as stubs (pooler port named pgbouncer)", () => {
        assert.deepEqual(globalServices(infra), [
            {
                name: "gitlab-pooler",
                namespace: "cnpg-system",
                ports: [{ name: "pgbouncer", port: 5432 }],
                description: "pooler of tenant gitlab",
            },
        ]);
    });

    it("accepts the apps fixture against these outputs", () => {
        assert.deepEqual(infraProblems(cfg, infra), []);
    });

    it("names an unknown tenant with the infra stack's tenants", () => {
        const bad = structuredClone(cfg);
        const gitlab = bad.applications[0];
        assert.ok(gitlab);
        gitlab.tenant = "harbor";
        assert.deepEqual(infraProblems(bad, infra).map(formatProblem), [
            'platform:applications[0].tenant = "harbor": is not a tenant of the infra stack "organization/platform/infra"; its tenants: gitlab, keycloak',
        ]);
    });

    it("rejects a tenant without a global pooler and a database the tenant lacks", () => {
        const bad = structuredClone(cfg);
        const gitlab = bad.applications[0];
        assert.ok(gitlab);
        gitlab.tenant = "keycloak";
        gitlab.database = "gitlabhq_production";
        assert.deepEqual(infraProblems(bad, infra).map(formatProblem), [
            'platform:applications[0].tenant = "keycloak": has no ClusterMesh global pooler in the infra stack "organization/platform/infra"; set pooler.enabled and pooler.global: true for tenant "keycloak" in its platform:tenants and run pulumi up on infra first',
            'platform:applications[0].database = "gitlabhq_production": is not a database of tenant "keycloak"; its databases: keycloak',
        ]);
    });

    const ROBOT_ITEMS = {
        "synergyflow/synergyflow-puller": "harbor-robot-synergyflow",
        "kubekloud/kubekloud-puller": "harbor-robot-kubekloud",
    };
    const withProjects = (projects: string[], robotItems: Record<string, string> = {}) =>
        parseInfraOutputs({ ...INFRA, harborProjects: { projects, robotItems } });
    const misspelt = () => {
        const bad = structuredClone(cfg);
        const synergyflow = bad.applications[1];
        assert.ok(synergyflow);
        assert.equal(synergyflow.harborProject, "synergyflow");
        synergyflow.harborProject = "synergyflw";
        return bad;
    };

    it("names a Harbor project the infra stack does not manage, listing its projects", () => {
        const infraWith = withProjects(["synergyflow", "kubekloud"], ROBOT_ITEMS);
        assert.deepEqual(infraProblems(cfg, infraWith), []);
        assert.deepEqual(infraProblems(misspelt(), infraWith).map(formatProblem), [
            'platform:applications[1].harborProject = "synergyflw": is not a Harbor project of the infra stack "organization/platform/infra"; its projects: synergyflow, kubekloud (add it to platform:harborProjects on infra)',
        ]);
        assert.deepEqual(infraProblems(cfg, withProjects([])).map(formatProblem), [
            'platform:applications[1].harborProject = "synergyflow": is not a Harbor project of the infra stack "organization/platform/infra"; its projects: none (add it to platform:harborProjects on infra)',
            'platform:applications[2].harborProject = "kubekloud": is not a Harbor project of the infra stack "organization/platform/infra"; its projects: none (add it to platform:harborProjects on infra)',
        ]);
    });

    it("rejects an app on a project for which the infra outputs list no robot item", () => {
        const infraWith = withProjects(["synergyflow", "kubekloud"], {
            "kubekloud/kubekloud-puller": "harbor-robot-kubekloud",
        });
        assert.deepEqual(infraProblems(cfg, infraWith).map(formatProblem), [
            'platform:applications[1].harborProject = "synergyflow": has no robot item in the outputs of the infra stack "organization/platform/infra", so nothing can pull its images; give the project a robot with "pull" in platform:harborProjects on infra and run pulumi up there first',
        ]);
    });

    it("leaves Harbor projects unchecked when the infra stack exports no harborProjects", () => {
        assert.equal(infra.harborProjects, undefined);
        assert.deepEqual(infraProblems(misspelt(), infra), []);
    });

    it("reads harborProjects (projects in order, robot items by project/robot)", () => {
        const view = parseInfraOutputs({
            ...INFRA,
            harborProjects: {
                projects: ["synergyflow", "kubekloud"],
                robotItems: { "kubekloud/kubekloud-puller": "harbor-robot-kubekloud" },
            },
        });
        assert.deepEqual(view.harborProjects, {
            projects: ["synergyflow", "kubekloud"],
            robotItems: { "kubekloud/kubekloud-puller": "harbor-robot-kubekloud" },
            pushRobots: [],
        });
    });

    it("refuses outputs of the wrong shape, naming each key and the infra stack", () => {
        assert.throws(
            () =>
                parseInfraOutputs(
                    {
                        ...INFRA,
                        role: "apps",
                        tenants: { gitlab: { ...INFRA.tenants.gitlab, port: "5432" } },
                        harborProjects: { projects: ["synergyflow", 3], robotItems: { bad: 1 } },
                    },
                    "organization/platform/infra",
                ),
            (e: unknown) =>
                e instanceof InfraOutputsError &&
                e.message ===
                    'the outputs of the infra stack "organization/platform/infra" do not have the shape this program reads (components/contract/infra-outputs.ts; run pulumi up on infra with this version first):\n' +
                        '  - role: must be "infra": platform:infraStack names a stack of another role\n' +
                        "  - tenants.gitlab.port: Invalid input: expected number, received string\n" +
                        "  - harborProjects.projects[1]: Invalid input: expected string, received number\n" +
                        "  - harborProjects.robotItems.bad: Invalid input: expected string, received number",
        );
    });

    it("takes the pull robot's item from robotItems: the project's first robot, whatever the key order", () => {
        const view = withProjects(["synergyflow", "kubekloud", "tools"], {
            // Keys sorted, as the engine returns them: ci-pusher is the second robot.
            "synergyflow/ci-pusher": "harbor-robot-synergyflow-ci-pusher",
            "synergyflow/synergyflow-puller": "harbor-robot-synergyflow",
            "kubekloud/kubekloud-puller": "vault-items/kubekloud-pull",
        });
        assert.equal(pullRobotItem(view, "synergyflow"), "harbor-robot-synergyflow");
        assert.equal(pullRobotItem(view, "kubekloud"), "vault-items/kubekloud-pull");
        // A project without robots, and an older infra stack: the conventional title.
        assert.equal(pullRobotItem(view, "tools"), "harbor-robot-tools");
        assert.equal(pullRobotItem(infra, "kubekloud"), "harbor-robot-kubekloud");
        // "synergy/" is not a prefix match for "synergyflow/...".
        assert.equal(pullRobotItem(view, "synergy"), "harbor-robot-synergy");
    });
});

describe("Harbor robot credentials", () => {
    const item = (fields: Partial<onepassword.GetItemResult>) =>
        Promise.resolve(fields as onepassword.GetItemResult);

    it("reads username and password of harbor-robot-<project>", async () => {
        const titles: string[] = [];
        const creds = await robotCredentials(
            (_vault, title) => {
                titles.push(title);
                return item({ username: "robot$kubekloud+kubekloud-puller", password: "tok" });
            },
            "uuid",
            "Infra",
            "kubekloud",
            2,
        );
        assert.deepEqual(titles, ["harbor-robot-kubekloud"]);
        assert.deepEqual(creds, { username: "robot$kubekloud+kubekloud-puller", password: "tok" });
    });

    it("fails for an unknown project naming the item and how to create it", async () => {
        await assert.rejects(
            robotCredentials(
                () => Promise.reject(new Error("error finding item: 404 not found\nmore")),
                "uuid",
                "Infra",
                "nope",
                1,
            ),
            {
                message:
                    'platform:applications[1].harborProject = "nope": 1Password item "harbor-robot-nope" could not be read from vault "Infra" (error finding item: 404 not found). Create the Harbor robot account for project "nope" and store it in vault "Infra" as item "harbor-robot-nope" with fields username (e.g. "robot$nope+nope-puller") and password (the robot\'s secret), or declare the robot under platform:harborProjects on the infra stack, whose `pulumi up` creates the item.',
            },
        );
    });

    it("reads the item the infra stack names, and names it when it is missing", async () => {
        const titles: string[] = [];
        await robotCredentials(
            (_vault, title) => {
                titles.push(title);
                return item({ username: "robot$kubekloud+kubekloud-puller", password: "tok" });
            },
            "uuid",
            "Infra",
            "kubekloud",
            2,
            "vault-items/kubekloud-pull",
        );
        assert.deepEqual(titles, ["vault-items/kubekloud-pull"]);
        await assert.rejects(
            robotCredentials(
                () => Promise.reject(new Error("404")),
                "uuid",
                "Infra",
                "kubekloud",
                2,
                "vault-items/kubekloud-pull",
            ),
            /item "vault-items\/kubekloud-pull" could not be read from vault "Infra" \(404\)\. .* as item "vault-items\/kubekloud-pull"/,
        );
    });

    it("fails when the item lacks the password field", async () => {
        await assert.rejects(
            robotCredentials(() => item({ username: "robot$x+x" }), "uuid", "Infra", "x", 0),
            /item "harbor-robot-x" could not be read from vault "Infra" \(it has no field "password"\)/,
        );
    });
});
