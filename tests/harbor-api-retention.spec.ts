// Drives the Harbor tag-retention provider's check/create/read/diff/update/delete directly
// against an in-process fake Harbor API (tests/fake-harbor/).
import * as assert from "node:assert/strict";
import { RetentionProviderOutputs, retentionPolicyProvider } from "../components/harbor-api";
import {
    alreadyExistsMessage,
    fake,
    ops,
    rejectsWith,
    retentionInputs,
    useFakeHarbor,
} from "./harbor-api-helpers";

describe("Harbor API providers (fake Harbor)", function () {
    this.timeout(10000);
    useFakeHarbor();

    describe("retentionPolicyProvider", () => {
        const t = ops(retentionPolicyProvider);

        beforeEach(() => {
            fake.seedProject("synergyflow");
        });

        it("creates, reads, updates and deletes a retention policy", async () => {
            const created = await t.create(retentionInputs());
            const project = fake.projects.get("synergyflow")!;
            assert.equal(project.metadata.retention_id, created.id);
            const stored = fake.retentions.get(Number(created.id))! as {
                rules: { template: string; params: Record<string, number> }[];
                trigger: { settings: { cron: string } };
                scope: { level: string; ref: number };
            };
            assert.equal(stored.rules[0]!.template, "latestPushedK");
            assert.deepEqual(stored.rules[0]!.params, { latestPushedK: 10 });
            assert.equal(stored.trigger.settings.cron, "0 0 3 * * *");
            assert.deepEqual(stored.scope, { level: "project", ref: project.project_id });

            const read = await t.read(created.id, created.outs);
            assert.deepEqual(read.props, created.outs);

            const news = retentionInputs({ keepLatest: 5, schedule: "0 0 4 * * *" });
            const diff = await t.diff(created.id, created.outs!, news);
            assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
            const updated = await t.update(created.id, created.outs!, news);
            const reread = await t.read(created.id, updated.outs);
            assert.equal(reread.props!.keepLatest, 5);
            assert.equal(reread.props!.schedule, "0 0 4 * * *");
            assert.deepEqual(
                (await t.diff(created.id, created.outs!, retentionInputs({ project: "x" })))
                    .replaces,
                ["project"],
            );

            await t.delete(created.id, updated.outs as RetentionProviderOutputs);
            assert.equal(fake.retentions.size, 0);
            assert.equal(project.metadata.retention_id, undefined);
            assert.equal((await t.read(created.id, updated.outs)).id, "");
        });

        it("refuses to create a second policy for a project and names the existing id", async () => {
            const project = fake.projects.get("synergyflow")!;
            fake.retentions.set(42, {
                id: 42,
                scope: { level: "project", ref: project.project_id },
            });
            project.metadata.retention_id = "42";
            await rejectsWith(
                t.create(retentionInputs()),
                alreadyExistsMessage(
                    'A tag-retention policy (id 42) for Harbor project "synergyflow"',
                    ["retentions:", "  synergyflow: 42"],
                ),
            );
        });

        it("treats a retention_id whose policy is gone as stale: clears it and creates a policy", async () => {
            // Left behind by a delete on a Harbor before 2.14 (handler/retention.go DeleteRetention), kept through an upgrade.
            const project = fake.projects.get("synergyflow")!;
            project.metadata.retention_id = "42";
            const created = await t.create(retentionInputs());
            assert.notEqual(created.id, "42");
            assert.equal(project.metadata.retention_id, created.id);
            assert.equal(
                fake.count(
                    "DELETE",
                    new RegExp(`^/projects/${project.project_id}/metadatas/retention_id$`),
                ),
                1,
            );
            assert.equal(fake.count("GET", /^\/retentions\/42$/), 0);
        });

        it("reads a policy Harbor no longer has as gone, without retrying Harbor's 500", async () => {
            const created = await t.create(retentionInputs());
            fake.retentions.delete(Number(created.id));
            fake.requests.length = 0;
            assert.equal((await t.read(created.id, created.outs)).id, "");
            assert.equal(fake.count("GET", /^\/retentions\/[0-9]+$/), 0);
        });

        it("deletes a policy that is already gone (Harbor's 400) and clears retention_id", async () => {
            const created = await t.create(retentionInputs());
            const project = fake.projects.get("synergyflow")!;
            fake.retentions.delete(Number(created.id));
            await t.delete(created.id, created.outs as RetentionProviderOutputs);
            assert.equal(project.metadata.retention_id, undefined);
            // The next create for the project works again.
            const again = await t.create(retentionInputs());
            assert.equal(project.metadata.retention_id, again.id);
        });

        it("on delete, Harbor 2.15.1 clears the project's retention_id itself, whatever it named", async () => {
            // handler/retention.go DeleteRetention: proMetaMgr.Delete(scope.ref, "retention_id").
            const created = await t.create(retentionInputs());
            const project = fake.projects.get("synergyflow")!;
            project.metadata.retention_id = "999";
            await t.delete(created.id, created.outs as RetentionProviderOutputs);
            assert.equal(project.metadata.retention_id, undefined);
        });

        it("adopts the project's existing policy on create and applies the declared rule", async () => {
            // A policy made by hand (here through the API) with other settings.
            const manual = await t.create(retentionInputs({ keepLatest: 3, tagPattern: "v*" }));
            const inputs = retentionInputs({ adopt: true, adoptId: Number(manual.id) });
            const created = await t.create(inputs);
            assert.equal(created.id, manual.id);
            assert.deepEqual(created.outs, {
                ...inputs,
                retentionId: Number(manual.id),
                projectId: fake.projects.get("synergyflow")!.project_id,
            });
            assert.equal(fake.retentions.size, 1);
            assert.equal(fake.count("POST", /^\/retentions$/), 1);
            const refreshed = await t.read(created.id, created.outs);
            assert.equal(refreshed.props!.keepLatest, 10);
            assert.equal(refreshed.props!.tagPattern, "**");
            assert.deepEqual(refreshed.props, created.outs);
            assert.equal((await t.diff(created.id, refreshed.props, inputs)).changes, false);
            await rejectsWith(
                t.create({ ...inputs, adoptId: 7 }),
                `Cannot adopt the tag-retention policy of Harbor project "synergyflow": ` +
                    `platform:harborProjects.imports.retentions["synergyflow"] is 7, but Harbor's ` +
                    `id is ${manual.id}. If that is the one to adopt, set the entry to ` +
                    `${manual.id} and run \`pulumi up\` again.`,
            );
        });
    });
});
