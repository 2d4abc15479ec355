/**
 * The committed stack files, Pulumi.infra.yaml and Pulumi.apps.yaml, are the users' to edit:
 * adding a tenant or an application is daily work. This spec checks only that they are valid,
 * render (apps against the infra render's outputs and against placeholders built from the infra
 * file), leak nothing, and keep what the seeds fix: the live system's tenant, role, database and
 * 1Password item names. Behaviour is tested on tests/fixtures/stacks (tests/mocks.ts), and CI
 * (.ci/run) runs `npm test` once more with a tenant and an application added
 * (scripts/ci-add-tenant.ts), so a spec that depends on the committed lists fails there.
 */
import { strict as assert } from "node:assert";
import { parseConfig } from "../components/config";
import { infraOutputsSchema, type InfraOutputs } from "../components/contract/infra-outputs";
import { findLeaks, render, type RenderedFiles } from "../scripts/render";
import { committedConfig, unwrap } from "./mocks";

/** What the seeds fix (the live system's names): tenant → role, databases, 1Password item. */
const SEED_TENANTS: Record<string, { role: string; databases: string[] }> = {
    harbor: { role: "harbor_app", databases: ["harbor_registry"] },
    gitlab: { role: "gitlab_app", databases: ["gitlabhq_production"] },
    keycloak: { role: "keycloak", databases: ["keycloak"] },
};
/** The seeds' robot items, read by the apps' pull secrets. */
const SEED_ROBOT_ITEMS: Record<string, string> = {
    "synergyflow/synergyflow-puller": "harbor-robot-synergyflow",
    "kubekloud/kubekloud-puller": "harbor-robot-kubekloud",
};

describe("the committed stack files", () => {
    let infra: RenderedFiles;
    let outputs: InfraOutputs;
    before(async () => {
        infra = await render({ stack: "infra" });
        outputs = infraOutputsSchema.parse(unwrap(infra.result.outputs));
    });

    it("are valid", () => {
        assert.equal(parseConfig(committedConfig("infra")).role, "infra");
        assert.equal(parseConfig(committedConfig("apps")).role, "apps");
    });

    it("render infra leaking nothing, with outputs of the contract's shape", () => {
        assert.deepEqual(findLeaks(infra.files), []);
        assert.equal(outputs.role, "infra");
    });

    it("keep the seeds' tenants, roles, databases and credential items", () => {
        for (const [name, seed] of Object.entries(SEED_TENANTS)) {
            const t = outputs.tenants[name];
            assert.ok(t, `tenant ${name}`);
            assert.equal(t.role, seed.role, name);
            assert.deepEqual(t.databases, seed.databases, name);
            assert.equal(t.item, `kubernetes/infra/cloudnative-pg/${name}`, name);
        }
        assert.equal(outputs.tenants.gitlab?.global, true);
    });

    it("keep the seeds' Harbor robot items", () => {
        const robotItems = outputs.harborProjects?.robotItems ?? {};
        for (const [robot, title] of Object.entries(SEED_ROBOT_ITEMS)) {
            assert.equal(robotItems[robot], title, robot);
        }
    });

    for (const [title, infraOutputs] of [
        ["against the infra render's outputs", () => infra.result.outputs],
        ["against placeholders from Pulumi.infra.yaml", () => undefined],
    ] as const) {
        it(`render apps ${title}, leaking nothing`, async () => {
            const apps = await render({ stack: "apps", infraOutputs: infraOutputs() });
            assert.deepEqual(findLeaks(apps.files), []);
            const secrets = apps.result.registrations.filter(
                (r) => r.type === "kubernetes:core/v1:Secret",
            );
            assert.ok(secrets.length > 0);
        });
    }
});
