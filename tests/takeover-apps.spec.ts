/**
 * The apps stack's takeover (tests/fixtures/takeover-apps, kubectl's format): the namespaces and
 * pull secrets are adopted, and KubeKloud API's database, a plain `postgres:16-alpine` Deployment
 * today (seed 004), moves into the co-located CNPG cluster as the stack creates it, with CNPG
 * `bootstrap.initdb.import` (type microservice; cloudnative-pg v1.26.1
 * internal/webhook/v1/cluster_webhook.go `validateImport`: one database, no roles), never an empty
 * cluster beside it.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { render } from "../scripts/render";
import { planTakeover } from "../scripts/takeover";
import type { Plan } from "../scripts/takeover-plan";
import { readInventory } from "../scripts/takeover-inventory";
import { withPlanConfig } from "../scripts/takeover/stack-file";
import { buildPlan } from "../scripts/takeover-plan";
import { IMPORT_SOURCE } from "../components/takeover/adopt";
import { fixtureFile, Run, unwrap } from "./mocks";

const FIXTURE = path.join(__dirname, "fixtures", "takeover-apps");

describe("takeover of the apps stack", function () {
    this.timeout(60000);
    let plan: Plan;
    let run: Run;

    before(async () => {
        ({ plan } = await planTakeover({
            stack: "apps",
            inventoryDir: FIXTURE,
            configFile: fixtureFile("apps"),
        }));
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "apps-")), "Pulumi.apps.yaml");
        const text = fs.readFileSync(fixtureFile("apps"), "utf8");
        fs.writeFileSync(file, withPlanConfig(file, text, plan.config));
        const rendered = await render({
            stack: "apps",
            configFile: file,
            infraConfigFile: fixtureFile("infra"),
        });
        run = new Run(rendered.result);
    });

    it("adopts the namespaces and pull secrets, and opens no blocker", () => {
        assert.deepEqual(plan.adopt.map((a) => a.id).sort(), [
            "cnpg-system/cloudnative-pg",
            "kubekloud-api",
            "kubekloud-api/harbor-regcred",
            "synergyflow",
            "synergyflow/harbor-registry-secret",
        ]);
        assert.deepEqual(
            plan.conflicts.filter((c) => c.severity === "blocker"),
            [],
        );
    });

    it("plans a stack file that names its infra stack without the organization, as the committed one does", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "apps-")), "Pulumi.apps.yaml");
        fs.copyFileSync(fixtureFile("infra"), path.join(path.dirname(file), "Pulumi.infra.yaml"));
        const text = fs
            .readFileSync(fixtureFile("apps"), "utf8")
            .replace(/^(\s*platform:infraStack:).*$/m, "$1 infra");
        assert.match(text, /platform:infraStack: infra\n/);
        fs.writeFileSync(file, text);
        const bare = await planTakeover({ stack: "apps", inventoryDir: FIXTURE, configFile: file });
        assert.deepEqual(
            bare.plan.adopt.map((a) => a.id).sort(),
            plan.adopt.map((a) => a.id).sort(),
        );
    });

    it("reads the import source from the postgres workload as the image reads its env", () => {
        assert.deepEqual(plan.config["platform:takeover"].colocatedImports, {
            "kubekloud-api/kubekloud-api-postgres": {
                host: "postgres-service.kubekloud-api.svc",
                port: 5432,
                database: "kubekloud",
                user: "kubekloud",
                passwordSecret: { name: "postgres-credentials", key: "password" },
                sslmode: "prefer",
            },
        });
    });

    it("creates the co-located cluster from the old database (initdb import), not empty", () => {
        const cluster = run.all("kubernetes:postgresql.cnpg.io/v1:Cluster")[0];
        assert.ok(cluster);
        assert.equal(cluster.importId, undefined, "created, not adopted");
        const spec = (unwrap(cluster.inputs) as { spec: Record<string, unknown> }).spec;
        assert.deepEqual(spec.bootstrap, {
            initdb: {
                database: "kubekloud",
                owner: "kubekloud",
                secret: { name: "kubekloud-api-postgres-credentials" },
                import: {
                    type: "microservice",
                    databases: ["kubekloud"],
                    source: { externalCluster: IMPORT_SOURCE },
                },
            },
        });
        assert.deepEqual(spec.externalClusters, [
            {
                name: IMPORT_SOURCE,
                connectionParameters: {
                    host: "postgres-service.kubekloud-api.svc",
                    port: "5432",
                    user: "kubekloud",
                    dbname: "kubekloud",
                    sslmode: "prefer",
                },
                password: { name: "postgres-credentials", key: "password" },
            },
        ]);
    });

    it("orders the stop of the writers before up and the switch after", () => {
        const steps = plan.manual.map((m) => m.step);
        const stop = steps.findIndex((s) =>
            s.startsWith("Stop the writers of Deployment kubekloud-api/postgres"),
        );
        const check = steps.findIndex((s) =>
            s.startsWith("Check kubekloud-api/kubekloud-api-postgres holds the data"),
        );
        const flux = steps.findIndex((s) => s.startsWith("After `pulumi up` succeeded"));
        assert.ok(stop >= 0 && stop < check && check < flux, steps.join("\n"));
        assert.deepEqual(plan.manual[stop]?.commands, [
            "kubectl scale deployment kubekloud-api -n kubekloud-api --replicas=0",
        ]);
        assert.match(plan.manual[check]?.step ?? "", /kubekloud-api\/kubekloud-api-database/);
        assert.ok(
            plan.manual[check]?.commands.includes(
                "kubectl scale deployment kubekloud-api -n kubekloud-api --replicas=2",
            ),
        );
    });

    it("a postgres workload whose password is a literal is a blocker, not an empty cluster", () => {
        const inv = readInventory(FIXTURE);
        const pg = inv.kubernetes.find(
            (o) => o.kind === "Deployment" && o.metadata.name === "postgres",
        );
        assert.ok(pg);
        const template = (pg.spec?.template ?? {}) as {
            spec: {
                containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[];
            };
        };
        const env = template.spec.containers[0]?.env ?? [];
        const password = env.find((e) => e.name === "POSTGRES_PASSWORD");
        assert.ok(password);
        delete password.valueFrom;
        password.value = "changeme";
        const other = buildPlan(run.registrations, inv);
        const [blocker] = other.conflicts.filter((c) => c.rule === "colocated-import");
        assert.equal(blocker?.severity, "blocker");
        assert.match(
            blocker?.problem ?? "",
            /would create kubekloud-api\/kubekloud-api-postgres empty beside it: its POSTGRES_PASSWORD is a literal/,
        );
        assert.deepEqual(other.config["platform:takeover"].colocatedImports, {});
    });
});
