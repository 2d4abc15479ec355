/**
 * Apps stack wiring under mocks, with the infra stack's outputs given to the StackReference.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { readInfraOutputs } from "../components/apps/infra";
import { runProgram } from "../scripts/mock-runtime";
import {
    isSecretMarker,
    plainOccurrences,
    PROJECT_DIR,
    Run,
    runStack,
    SECRET_PREFIX,
    fixtureSettings,
    toConfigMap,
    unwrap,
} from "./mocks";

const INFRA_STACK = "organization/platform/infra";
const SECRET = "kubernetes:core/v1:Secret";
const SERVICE = "kubernetes:core/v1:Service";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const SA_PATCH = "kubernetes:core/v1:ServiceAccountPatch";
const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const SCHEDULED = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const ITEM = "onepassword:index/item:Item";
const ref = (type: string, name: string) => `${type}::${name}`;

const TENANT_PASSWORD = `${SECRET_PREFIX}infra-gitlab-password`;

/** The infra outputs (buildInfra's shape); the password marked secret as the engine returns it. */
const infraOutputs = (): Record<string, unknown> => ({
    role: "infra",
    tenants: {
        gitlab: {
            host: "gitlab-pooler.cnpg-system.svc",
            port: 5432,
            role: "gitlab",
            databases: ["gitlabhq_production"],
            poolMode: "transaction",
            item: "kubernetes/infra/cloudnative-pg/gitlab",
            password: TENANT_PASSWORD,
            global: true,
            service: "gitlab-pooler",
            namespace: "cnpg-system",
            sslmode: "require",
        },
        harbor: {
            host: "harbor-pooler.cnpg-system.svc",
            port: 5432,
            role: "harbor_app",
            databases: ["harbor_registry"],
            item: "kubernetes/infra/cloudnative-pg/harbor",
            password: `${SECRET_PREFIX}infra-harbor-password`,
            global: false,
            service: "harbor-pooler",
            namespace: "cnpg-system",
            sslmode: "require",
        },
    },
    harbor: { hostname: "registry.example.test" },
    dragonfly: {
        address: "dragonfly.dragonfly.svc.cluster.local:6379",
        service: "dragonfly",
        namespace: "dragonfly",
        global: true,
    },
    harborProjects: {
        projects: ["synergyflow", "kubekloud"],
        robotItems: {
            "kubekloud/kubekloud-puller": "harbor-robot-kubekloud",
            "synergyflow/synergyflow-puller": "harbor-robot-synergyflow",
        },
    },
});

const appsConfig = () => toConfigMap(fixtureSettings("apps"));

/** The apps config with applications[1] (synergyflow) naming a misspelt Harbor project. */
function misspeltProjectConfig(): Record<string, string> {
    const settings = structuredClone(fixtureSettings("apps"));
    const apps = settings["platform:applications"] as Record<string, unknown>[];
    const synergyflow = apps[1];
    assert.ok(synergyflow);
    assert.equal(synergyflow.harborProject, "synergyflow");
    synergyflow.harborProject = "synergyflw";
    return toConfigMap(settings);
}

/**
 * Keys of a Secret's stringData that are not secret. The Kubernetes SDK marks the whole
 * stringData secret; without that, each value must carry the marker itself.
 */
function plainKeys(stringData: unknown): string[] {
    if (isSecretMarker(stringData)) return [];
    return Object.entries(stringData as Record<string, unknown>)
        .filter(([, v]) => !isSecretMarker(v))
        .map(([k]) => k);
}

const stringDataOf = (r: Run, name: string) =>
    unwrap(r.get(SECRET, name).inputs.stringData) as Record<string, string>;

describe("apps stack wiring (the apps fixture, mocked infra outputs)", () => {
    let run: Run;
    before(async () => {
        run = await runStack("apps", appsConfig(), { [INFRA_STACK]: infraOutputs() });
    });

    it("reads the co-located cluster's own MinIO credentials, never the infra cluster's", () => {
        const titles = run.result.invocations
            .filter((i) => i.token === "onepassword:index/getItem:getItem")
            .map((i) => i.inputs.title);
        assert.ok(
            titles.includes("kubernetes/apps/cloudnative-pg/kubekloud-api-backup"),
            titles.join(", "),
        );
        assert.ok(!titles.some((t) => String(t).endsWith("cloudnative-pg/minio")));
    });

    it("polices the co-located cluster with CiliumNetworkPolicies created after its application's namespace", () => {
        const type = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
        const names = run
            .all(type)
            .map((r) => r.name)
            .filter((n) => n.startsWith("kubekloud-api/"));
        assert.deepEqual(names.sort(), [
            "kubekloud-api/kubekloud-api-postgres-default-deny",
            "kubekloud-api/kubekloud-api-postgres-instances",
        ]);
        for (const name of names) {
            const policy = run.get(type, name);
            assert.equal(policy.parent, "platform:network:Policies::platform-network");
            assert.ok(
                policy.dependencies.some((d) =>
                    d.endsWith("kubernetes:core/v1:Namespace::kubekloud-api"),
                ),
                policy.dependencies.join(", "),
            );
        }
    });

    it("polices the operator, the Barman Cloud plugin and the backup-metrics exporter like infra, after the operator's namespace", () => {
        const type = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
        const names = run
            .all(type)
            .map((r) => r.name)
            .filter((n) => n.startsWith("cnpg-system/"));
        assert.deepEqual(names.sort(), [
            "cnpg-system/barman-cloud-plugin",
            "cnpg-system/cnpg-operator",
            "cnpg-system/platform-backup-metrics",
        ]);
        for (const name of names) {
            const policy = run.get(type, name);
            assert.equal(policy.parent, "platform:network:Policies::platform-network-system");
            assert.ok(
                policy.dependencies.includes("kubernetes:core/v1:Namespace::cnpg-system"),
                policy.dependencies.join(", "),
            );
        }
    });

    it("installs the Barman Cloud plugin after the operator and backs kubekloud-api up through its ObjectStore", () => {
        const plugin = run.get(RELEASE, "plugin-barman-cloud");
        assert.equal(plugin.parent, "platform:cnpg:BarmanCloudPlugin::barman-cloud");
        assert.ok(plugin.dependencies.includes(ref(RELEASE, "cloudnative-pg")));
        const inputs = run.inputs(RELEASE, "plugin-barman-cloud") as Record<string, any>;
        assert.equal(inputs.namespace, "cnpg-system");
        assert.equal(inputs.chart, "plugin-barman-cloud");
        assert.equal(inputs.version, "0.7.0");
        assert.deepEqual(inputs.repositoryOpts, {
            repo: "https://cloudnative-pg.github.io/charts",
        });
        const store = run.get(OBJECT_STORE, "kubekloud-api-postgres-backups");
        assert.ok(store.dependencies.includes(ref(RELEASE, "plugin-barman-cloud")));
        assert.ok(store.dependencies.includes(ref(SECRET, "kubekloud-api-postgres-backup-s3")));
        const cluster = run.get(CLUSTER, "kubekloud-api-postgres");
        assert.ok(
            cluster.dependencies.includes(ref(OBJECT_STORE, "kubekloud-api-postgres-backups")),
        );
        assert.ok(cluster.dependencies.includes(ref(RELEASE, "plugin-barman-cloud")));
        const spec = run.inputs(CLUSTER, "kubekloud-api-postgres").spec as Record<string, any>;
        assert.deepEqual(spec.plugins, [
            {
                name: "barman-cloud.cloudnative-pg.io",
                isWALArchiver: true,
                parameters: { barmanObjectName: "kubekloud-api-postgres-backups" },
            },
        ]);
        assert.equal(spec.backup, undefined);
        const sb = run.inputs(SCHEDULED, "kubekloud-api-postgres-daily").spec as Record<
            string,
            any
        >;
        assert.equal(sb.method, "plugin");
        assert.deepEqual(sb.pluginConfiguration, { name: "barman-cloud.cloudnative-pg.io" });
    });

    it("builds the pull secret from harbor-robot-<project> for the infra's Harbor hostname", () => {
        const lookups = run.result.invocations
            .filter((i) => i.token === "onepassword:index/getItem:getItem")
            .map((i) => i.inputs.title);
        assert.ok(lookups.includes("harbor-robot-synergyflow"));
        assert.ok(lookups.includes("harbor-robot-kubekloud"));
        const secret = run.get(SECRET, "synergyflow-harbor-pull");
        const inputs = unwrap(secret.inputs) as {
            type: string;
            metadata: { name: string; namespace: string };
            stringData: Record<string, string>;
        };
        assert.equal(inputs.type, "kubernetes.io/dockerconfigjson");
        // The name SynergyFlow's pods list in imagePullSecrets (seed 001).
        assert.deepEqual(inputs.metadata.name, "harbor-registry-secret");
        assert.deepEqual(inputs.metadata.namespace, "synergyflow");
        const user = `${SECRET_PREFIX}harbor-robot-synergyflow/username`;
        const pass = `${SECRET_PREFIX}harbor-robot-synergyflow/password`;
        const json = JSON.parse(inputs.stringData[".dockerconfigjson"] ?? "") as unknown;
        assert.deepEqual(json, {
            auths: {
                "registry.example.test": {
                    username: user,
                    password: pass,
                    auth: Buffer.from(`${user}:${pass}`).toString("base64"),
                },
            },
        });
        assert.deepEqual(
            plainKeys(secret.inputs.stringData),
            [],
            "the docker config must be secret",
        );
    });

    it("patches each application's ServiceAccounts to use its pull secret", () => {
        const patch = run.get(SA_PATCH, "synergyflow-default-sa");
        const inputs = unwrap(patch.inputs) as Record<string, unknown>;
        assert.deepEqual(inputs.imagePullSecrets, [{ name: "harbor-registry-secret" }]);
        assert.deepEqual((inputs.metadata as Record<string, unknown>).name, "default");
        assert.ok(patch.dependencies.includes(ref(SECRET, "synergyflow-harbor-pull")));
        assert.equal(run.has(SA_PATCH, "gitlab-default-sa"), false, "gitlab has no Harbor project");
    });

    it("ships KubeKloud's pull secret harbor-regcred on kubekloud-api-sa, the account its pods run as (seed 004)", () => {
        const secret = run.inputs(SECRET, "kubekloud-api-harbor-pull");
        assert.deepEqual((secret.metadata as Record<string, unknown>).name, "harbor-regcred");
        const patch = run.inputs(SA_PATCH, "kubekloud-api-kubekloud-api-sa-sa");
        assert.deepEqual(patch.imagePullSecrets, [{ name: "harbor-regcred" }]);
        assert.deepEqual((patch.metadata as Record<string, unknown>).name, "kubekloud-api-sa");
        assert.equal(run.has(SA_PATCH, "kubekloud-api-default-sa"), false);
        const apps = run.outputs.applications as Record<string, { pullSecret: string | null }>;
        assert.equal(apps["kubekloud-api"]?.pullSecret, "harbor-regcred");
        assert.equal(apps.gitlab?.pullSecret, null);
    });

    it("never builds a pull secret from a robot that can push", async () => {
        const outputs = infraOutputs();
        const hp = outputs.harborProjects as Record<string, any>;
        hp.robotItems["synergyflow/synergyflow-ci"] = "harbor-robot-synergyflow-synergyflow-ci";
        hp.pushRobots = ["synergyflow/synergyflow-ci"];
        const r = await runStack("apps", appsConfig(), { [INFRA_STACK]: outputs });
        const titles = r.result.invocations
            .filter((i) => i.token === "onepassword:index/getItem:getItem")
            .map((i) => i.inputs.title);
        assert.ok(titles.includes("harbor-robot-synergyflow"));
        assert.ok(!titles.includes("harbor-robot-synergyflow-synergyflow-ci"));

        hp.pushRobots = ["synergyflow/synergyflow-ci", "synergyflow/synergyflow-puller"];
        await assert.rejects(
            runStack("apps", appsConfig(), { [INFRA_STACK]: outputs }),
            (e: Error) =>
                e.message.includes(
                    'platform:applications[1].harborProject = "synergyflow": has only robots that can push in the infra stack "organization/platform/infra" (synergyflow/synergyflow-ci, synergyflow/synergyflow-puller); a pull secret comes from a pull-only robot',
                ),
        );
    });

    it("labels application namespaces for Pod Security", () => {
        const labels = (n: string) =>
            (run.inputs(NAMESPACE, n).metadata as { labels: Record<string, string> }).labels;
        // The seeds' SynergyFlow pods set no security context: baseline enforced, restricted warned.
        assert.equal(labels("synergyflow")["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(labels("synergyflow")["pod-security.kubernetes.io/warn"], "restricted");
        assert.equal(labels("gitlab")["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(labels("gitlab")["pod-security.kubernetes.io/warn"], "restricted");
        assert.equal(labels("gitlab")["pod-security.kubernetes.io/audit"], "restricted");
        assert.equal(run.get(NAMESPACE, "kubekloud-api").protect, true, "holds a database");
    });

    it("protects and retains every application namespace (its workloads and volumes live there)", () => {
        for (const n of ["gitlab", "synergyflow", "kubekloud-api"]) {
            const ns = run.get(NAMESPACE, n);
            assert.equal(ns.protect, true, `${n}: removing the app must not delete its namespace`);
            assert.equal(ns.retainOnDelete, true, `${n}: an unprotected delete only forgets it`);
        }
    });

    it("writes the tenant connection secret through the global pooler Service, every value secret", () => {
        const secret = run.get(SECRET, "gitlab-database");
        assert.deepEqual(plainKeys(secret.inputs.stringData), []);
        const host = "gitlab-pooler.cnpg-system.svc.cluster.local";
        assert.deepEqual(stringDataOf(run, "gitlab-database"), {
            host,
            port: "5432",
            database: "gitlabhq_production",
            username: "gitlab",
            password: TENANT_PASSWORD,
            sslmode: "require",
            uri: `postgresql://gitlab:${TENANT_PASSWORD}@${host}:5432/gitlabhq_production?sslmode=require`,
            dsn: `host=${host} port=5432 dbname=gitlabhq_production user=gitlab password=${TENANT_PASSWORD} sslmode=require`,
        });
        assert.equal(unwrap(secret.inputs.type), "Opaque");
    });

    it("creates a selector-less global stub per infra global service, reusing cnpg-system", () => {
        // The stubs' component's Services (the backup-metrics exporter has one of its own).
        const stubs = run
            .all(SERVICE)
            .filter((s) => s.parent?.startsWith("platform:apps:ClusterMeshStubs::"))
            .map((s) => s.name)
            .sort();
        assert.deepEqual(stubs, ["cnpg-system/gitlab-pooler", "dragonfly/dragonfly"]);
        const pooler = run.inputs(SERVICE, "cnpg-system/gitlab-pooler") as {
            metadata: { name: string; namespace: string; annotations: Record<string, string> };
            spec: Record<string, unknown>;
        };
        assert.equal(pooler.metadata.name, "gitlab-pooler");
        assert.equal(pooler.metadata.namespace, "cnpg-system");
        assert.equal(pooler.metadata.annotations["service.cilium.io/global"], "true");
        assert.equal("selector" in pooler.spec, false);
        assert.deepEqual(pooler.spec.ports, [
            { name: "pgbouncer", port: 5432, targetPort: 5432, protocol: "TCP" },
        ]);
        const df = run.inputs(SERVICE, "dragonfly/dragonfly").spec as { ports: { port: number }[] };
        assert.equal(df.ports[0]?.port, 6379);
        // cnpg-system is the operator's namespace: made once, by the operator component.
        const cnpgNs = run.all(NAMESPACE).filter((n) => n.name === "cnpg-system");
        assert.equal(cnpgNs.length, 1);
        assert.equal(cnpgNs[0]?.parent, "platform:cnpg:Operator::cnpg");
        assert.ok(
            run
                .get(SERVICE, "cnpg-system/gitlab-pooler")
                .dependencies.includes(ref(NAMESPACE, "cnpg-system")),
        );
        assert.equal(
            run.get(NAMESPACE, "dragonfly").parent,
            "platform:apps:ClusterMeshStubs::clustermesh",
        );
    });

    it("runs kubekloud-api's co-located cluster after the operator, protected, waiting for Ready", () => {
        const cluster = run.get(CLUSTER, "kubekloud-api-postgres");
        assert.equal(cluster.protect, true);
        assert.equal(cluster.parent, "platform:apps:ColocatedCluster::kubekloud-api");
        for (const dep of [
            ref(RELEASE, "cloudnative-pg"),
            ref(SECRET, "kubekloud-api-postgres-credentials"),
            ref(SECRET, "kubekloud-api-postgres-backup-s3"),
            ref(NAMESPACE, "kubekloud-api"),
        ]) {
            assert.ok(cluster.dependencies.includes(dep), dep);
        }
        const meta = run.inputs(CLUSTER, "kubekloud-api-postgres").metadata as {
            namespace: string;
            annotations: Record<string, string>;
        };
        assert.equal(meta.namespace, "kubekloud-api");
        assert.equal(meta.annotations["pulumi.com/waitFor"], "condition=Ready");
        assert.deepEqual(run.get(SCHEDULED, "kubekloud-api-postgres-daily").dependencies, [
            ref(CLUSTER, "kubekloud-api-postgres"),
        ]);
        const creds = run.inputs(SECRET, "kubekloud-api-postgres-credentials") as {
            type: string;
            stringData: Record<string, string>;
        };
        assert.equal(creds.type, "kubernetes.io/basic-auth");
        assert.equal(creds.stringData.username, "kubekloud");
        const item = run.inputs(ITEM, "kubekloud-api-postgres-owner");
        assert.equal(item.title, "kubernetes/apps/cloudnative-pg/kubekloud-api");
        const conn = run.inputs(SECRET, "kubekloud-api-database").stringData as Record<
            string,
            string
        >;
        assert.equal(conn.host, "kubekloud-api-postgres-rw.kubekloud-api.svc.cluster.local");
        assert.equal(conn.database, "kubekloud");
        assert.equal(conn.password, `${SECRET_PREFIX}kubekloud-api-postgres-password`);
    });

    it("exports namespaces, pull secret and connection secret names", () => {
        const out = run.outputs as {
            harborHostname: string;
            applications: Record<string, Record<string, unknown>>;
            clusterMeshStubs: string[];
        };
        assert.equal(out.harborHostname, "registry.example.test");
        assert.deepEqual(out.applications["kubekloud-api"], {
            namespace: "kubekloud-api",
            pullSecret: "harbor-regcred",
            connectionSecret: "kubekloud-api-database",
            postgresCluster: "kubekloud-api-postgres",
        });
        assert.deepEqual(out.clusterMeshStubs, [
            "cnpg-system/gitlab-pooler",
            "dragonfly/dragonfly",
        ]);
    });

    it("leaks no render-secret- text outside secrets", () => {
        for (const r of run.registrations) {
            assert.deepEqual(plainOccurrences(r.inputs, SECRET_PREFIX), [], `${r.type}::${r.name}`);
        }
        assert.deepEqual(plainOccurrences(run.result.outputs, SECRET_PREFIX), []);
    });

    it("falls back to platform:harborHostname when the infra stack exports no harbor", async () => {
        const outputs = infraOutputs();
        delete outputs.harbor;
        const r = await runStack("apps", appsConfig(), { [INFRA_STACK]: outputs });
        const json = stringDataOf(r, "synergyflow-harbor-pull")[".dockerconfigjson"] ?? "";
        assert.deepEqual(Object.keys((JSON.parse(json) as { auths: object }).auths), [
            "harbor.monosense.io",
        ]);
    });

    it("fails the deployment when an application names a Harbor project the infra stack lacks", async () => {
        await assert.rejects(
            runStack("apps", misspeltProjectConfig(), { [INFRA_STACK]: infraOutputs() }),
            (e: Error) => {
                assert.match(
                    e.message,
                    /platform:applications\[1\]\.harborProject = "synergyflw": is not a Harbor project of the infra stack "organization\/platform\/infra"; its projects: synergyflow, kubekloud \(add it to platform:harborProjects on infra\)/,
                );
                return true;
            },
        );
    });

    it("leaves an unknown Harbor project to the 1Password lookup when the infra stack exports no harborProjects", async () => {
        const outputs = infraOutputs();
        delete outputs.harborProjects;
        // No ConfigError: the item named after the project is looked up (and would be missing).
        const r = await runStack("apps", misspeltProjectConfig(), { [INFRA_STACK]: outputs });
        const titles = r.result.invocations
            .filter((i) => i.token === "onepassword:index/getItem:getItem")
            .map((i) => i.inputs.title);
        assert.ok(titles.includes("harbor-robot-synergyflw"), titles.join(", "));
        // An item without the robot's fields, as 1Password answers here, fails the run with the
        // robot item message.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(path.join(PROJECT_DIR, "index")) as () => unknown;
        await assert.rejects(
            runProgram(program, {
                stack: "apps",
                config: misspeltProjectConfig(),
                stackOutputs: { [INFRA_STACK]: outputs },
                onePasswordItems: { "harbor-robot-synergyflw": {} },
            }),
            (e: Error) => {
                assert.match(
                    e.message,
                    /^platform:applications\[1\]\.harborProject = "synergyflw": 1Password item "harbor-robot-synergyflw" could not be read from vault "Infra" \(it has no field "username" or "password"\)\. Create the Harbor robot account/,
                );
                return true;
            },
        );
    });

    it("fails the deployment when an application names a tenant the infra stack lacks", async () => {
        const outputs = infraOutputs();
        delete (outputs.tenants as Record<string, unknown>).gitlab;
        await assert.rejects(
            runStack("apps", appsConfig(), { [INFRA_STACK]: outputs }),
            (e: Error) => {
                assert.match(
                    e.message,
                    /platform:applications\[0\]\.tenant = "gitlab": is not a tenant of the infra stack "organization\/platform\/infra"; its tenants: harbor/,
                );
                return true;
            },
        );
    });
});

describe("apps stack wiring with the infra's tenants output secret (as the engine holds it)", () => {
    const secretTenants = { [INFRA_STACK]: ["tenants"] };

    it("gives the reference's secret output as secretValue, and readInfraOutputs reads it", async () => {
        const program = async () => {
            const infraRef = new pulumi.StackReference(INFRA_STACK);
            const details = await infraRef.getOutputDetails("tenants");
            const harbor = await infraRef.getOutputDetails("harbor");
            const raw = await readInfraOutputs(infraRef);
            return {
                tenantsDetails: Object.keys(details),
                harborDetails: Object.keys(harbor),
                tenants: Object.keys(raw.tenants as object).sort(),
            };
        };
        const r = new Run(
            await runProgram(program, {
                stack: "apps",
                config: appsConfig(),
                stackOutputs: { [INFRA_STACK]: infraOutputs() },
                secretStackOutputs: secretTenants,
            }),
        );
        assert.deepEqual(r.outputs, {
            tenantsDetails: ["secretValue"],
            harborDetails: ["value"],
            tenants: ["gitlab", "harbor"],
        });
    });

    let run: Run;
    before(async () => {
        run = await runStack(
            "apps",
            appsConfig(),
            { [INFRA_STACK]: infraOutputs() },
            secretTenants,
        );
    });

    it("still builds the tenant connection secret, with the tenant's password, every value secret", () => {
        const secret = run.get(SECRET, "gitlab-database");
        assert.deepEqual(plainKeys(secret.inputs.stringData), []);
        const data = stringDataOf(run, "gitlab-database");
        assert.equal(data.password, TENANT_PASSWORD);
        assert.equal(data.host, "gitlab-pooler.cnpg-system.svc.cluster.local");
        assert.ok(run.has(SERVICE, "cnpg-system/gitlab-pooler"));
    });

    it("leaks nothing secret into plain inputs or outputs", () => {
        for (const r of run.registrations) {
            assert.deepEqual(plainOccurrences(r.inputs, SECRET_PREFIX), [], `${r.type}::${r.name}`);
            assert.deepEqual(plainOccurrences(r.inputs, TENANT_PASSWORD), []);
        }
        assert.deepEqual(plainOccurrences(run.result.outputs, SECRET_PREFIX), []);
    });
});
