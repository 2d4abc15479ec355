// Drives the Harbor GC schedule provider's check/create/read/diff/update/delete directly against
// an in-process fake Harbor API (tests/fake-harbor/).
import * as assert from "node:assert/strict";
import { HarborGcSchedule, gcScheduleProvider } from "../components/harbor-api";
import {
    alreadyExistsMessage,
    fake,
    gcInputs,
    ops,
    rejectsWith,
    useFakeHarbor,
} from "./harbor-api-helpers";

describe("Harbor API providers (fake Harbor)", function () {
    this.timeout(10000);
    useFakeHarbor();

    describe("gcScheduleProvider", () => {
        const g = ops(gcScheduleProvider);

        it("creates, reads, updates and deletes the GC schedule", async () => {
            const created = await g.create(gcInputs());
            assert.equal(created.id, "gc-schedule");
            assert.deepEqual(fake.gcSchedule, {
                type: "Custom",
                cron: "0 0 2 * * *",
                parameters: { delete_untagged: false, workers: 1 },
            });
            const read = await g.read("gc-schedule", created.outs);
            assert.deepEqual(read.props, created.outs);

            const news = gcInputs({ schedule: "0 30 1 * * 0", deleteUntagged: true });
            const diff = await g.diff("gc-schedule", created.outs!, news);
            assert.deepEqual(diff, { changes: true, replaces: [] });
            const updated = await g.update("gc-schedule", created.outs!, news);
            assert.equal(fake.gcSchedule.cron, "0 30 1 * * 0");
            assert.equal(fake.gcSchedule.parameters.delete_untagged, true);
            assert.equal(fake.count("PUT", /^\/system\/gc\/schedule$/), 1);

            await g.delete("gc-schedule", updated.outs!);
            assert.equal(fake.gcSchedule, undefined);
            const put = fake.requests.filter((q) => q.method === "PUT").pop()!;
            assert.deepEqual(put.body, { schedule: { type: "None", cron: "" } });
            assert.equal((await g.read("gc-schedule", updated.outs)).id, "");
        });

        it("refuses to overwrite an existing schedule and says how to adopt it", async () => {
            fake.gcSchedule = { type: "Daily", cron: "0 0 0 * * *", parameters: {} };
            await rejectsWith(
                g.create(gcInputs()),
                alreadyExistsMessage('A Harbor garbage-collection schedule ("0 0 0 * * *")', [
                    "gcSchedule: true",
                ]),
            );
            assert.equal(fake.gcSchedule.cron, "0 0 0 * * *");
        });

        it("adopts the existing schedule on create and applies the declared one", async () => {
            fake.gcSchedule = { type: "Daily", cron: "0 0 0 * * *", parameters: {} };
            const inputs = gcInputs({ adopt: true, deleteUntagged: true, workers: 2 });
            const created = await g.create(inputs);
            assert.equal(created.id, "gc-schedule");
            assert.deepEqual(created.outs, inputs);
            assert.deepEqual(fake.gcSchedule, {
                type: "Custom",
                cron: "0 0 2 * * *",
                parameters: { delete_untagged: true, workers: 2 },
            });
            assert.equal(fake.count("POST", /.*/), 0);
            const refreshed = await g.read(created.id, created.outs);
            assert.deepEqual(refreshed.props, created.outs);
            assert.equal((await g.diff(created.id, refreshed.props, inputs)).changes, false);
            // Adopting a schedule that already matches writes nothing.
            fake.requests.length = 0;
            await g.create(inputs);
            assert.equal(fake.count("PUT", /.*/), 0);
            assert.deepEqual(await g.diff(created.id, created.outs, gcInputs()), {
                changes: true,
                replaces: [],
            });
            assert.deepEqual(await g.diff(created.id, created.outs, { ...inputs, adopt: false }), {
                changes: false,
                replaces: [],
            });
        });

        it("rejects a 5-field cron in check and in the resource args", async () => {
            const result = await g.check(gcInputs(), gcInputs({ schedule: "0 2 * * *" }));
            assert.deepEqual(result.failures, [
                {
                    property: "schedule",
                    reason:
                        '"0 2 * * *" has 5 fields, but Harbor cron expressions have 6 fields ' +
                        'with seconds first; did you mean "0 0 2 * * *"?',
                },
            ]);
            assert.throws(
                () =>
                    new HarborGcSchedule("gc", {
                        apiUrl: "http://unused",
                        username: "admin",
                        password: "x",
                        schedule: "0 2 * * *",
                    }),
                {
                    message:
                        'HarborGcSchedule gc: "0 2 * * *" has 5 fields, but Harbor cron ' +
                        'expressions have 6 fields with seconds first; did you mean "0 0 2 * * *"?',
                },
            );
        });
    });
});
