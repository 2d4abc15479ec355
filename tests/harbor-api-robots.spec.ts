// Drives the Harbor robot provider's check/create/read/diff/update/delete directly against an
// in-process fake Harbor API (tests/fake-harbor/).
import * as assert from "node:assert/strict";
import { ROBOT_SECRET_OUTPUTS, robotProvider } from "../components/harbor-api";
import {
    alreadyExistsMessage,
    connection,
    fake,
    ops,
    pathsContaining,
    rejectsWith,
    robotInputs,
    useFakeHarbor,
} from "./harbor-api-helpers";

describe("Harbor API providers (fake Harbor)", function () {
    this.timeout(10000);
    useFakeHarbor();

    describe("robotProvider", () => {
        const r = ops(robotProvider);

        beforeEach(() => {
            fake.seedProject("synergyflow");
        });

        it("creates a project robot and returns Harbor's secret and full name", async () => {
            const created = await r.create(robotInputs());
            const stored = fake.robots.get(Number(created.id))!;
            assert.match(created.id, /^[0-9]+$/);
            assert.equal(created.outs!.fullName, "robot$synergyflow+synergyflow-puller");
            assert.equal(created.outs!.secret, stored.secret);
            assert.equal(created.outs!.robotId, stored.id);
            assert.equal(created.outs!.expiresAt, -1);
            const post = fake.requests.find((q) => q.method === "POST" && q.path === "/robots")!;
            assert.deepEqual(post.body, {
                name: "synergyflow-puller",
                description: "pulls images",
                duration: -1,
                level: "project",
                disable: false,
                permissions: [
                    {
                        kind: "project",
                        namespace: "synergyflow",
                        access: [{ resource: "repository", action: "pull" }],
                    },
                ],
            });
        });

        it("disables a robot declared disabled after creating it (Harbor 2.15.1 creates it enabled)", async () => {
            const created = await r.create(robotInputs({ disabled: true }));
            const stored = fake.robots.get(Number(created.id))!;
            assert.equal(stored.disable, true);
            assert.equal(fake.count("PUT", /^\/robots\/[0-9]+$/), 1);
            assert.equal(created.outs!.secret, stored.secret);
            await r.create(robotInputs({ name: "synergyflow-pusher" }));
            assert.equal(fake.count("PUT", /^\/robots\/[0-9]+$/), 1);
        });

        it("rotates the secret in place when `rotation` changes", async () => {
            const created = await r.create(robotInputs());
            const news = robotInputs({ rotation: "2025-06" });
            const diff = await r.diff(created.id, created.outs!, news);
            assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
            const updated = await r.update(created.id, created.outs!, news);
            assert.notEqual(updated.outs!.secret, created.outs!.secret);
            assert.equal(updated.outs!.secret, fake.robots.get(Number(created.id))!.secret);
            assert.equal(updated.outs!.fullName, created.outs!.fullName);
            assert.equal(fake.count("PATCH", /^\/robots\/[0-9]+$/), 1);
            assert.equal(fake.count("DELETE", /.*/), 0);
            assert.equal(fake.count("POST", /^\/robots$/), 1);
            const again = await r.diff(created.id, updated.outs!, news);
            assert.equal(again.changes, false);
        });

        it("updates description, duration and permissions without rotating", async () => {
            const created = await r.create(robotInputs());
            const news = robotInputs({
                description: "push and pull",
                durationDays: 30,
                access: [
                    { resource: "repository", action: "pull" },
                    { resource: "repository", action: "push" },
                ],
            });
            const diff = await r.diff(created.id, created.outs!, news);
            assert.deepEqual(diff.replaces, []);
            const updated = await r.update(created.id, created.outs!, news);
            const stored = fake.robots.get(Number(created.id))!;
            assert.equal(stored.description, "push and pull");
            assert.equal(stored.duration, 30);
            assert.deepEqual(
                stored.permissions[0]!.access.map((a) => a.action),
                ["pull", "push"],
            );
            assert.equal(updated.outs!.secret, created.outs!.secret);
            assert.equal(updated.outs!.expiresAt, stored.expires_at);
            assert.equal(fake.count("PATCH", /.*/), 0);
        });

        it("replaces on a new name or project", async () => {
            const created = await r.create(robotInputs());
            assert.deepEqual(
                await r.diff(created.id, created.outs!, robotInputs({ name: "renamed" })),
                { changes: true, replaces: ["name"], deleteBeforeReplace: false },
            );
            assert.deepEqual(
                (await r.diff(created.id, created.outs!, robotInputs({ project: "other" })))
                    .replaces,
                ["project"],
            );
            const reordered = await r.diff(
                created.id,
                { ...created.outs!, access: [...created.outs!.access].reverse() },
                robotInputs(),
            );
            assert.equal(reordered.changes, false);
        });

        it("refuses to create an existing robot and finds its id across pages", async () => {
            for (let i = 0; i < 120; i++) {
                fake.seedRobot("synergyflow", `filler-${i}`);
            }
            const existing = fake.seedRobot("synergyflow", "synergyflow-puller");
            await rejectsWith(
                r.create(robotInputs()),
                alreadyExistsMessage(
                    'Harbor robot "robot$synergyflow+synergyflow-puller" in project "synergyflow"',
                    ["robots:", `  "synergyflow/synergyflow-puller": ${existing.id}`],
                    "Harbor never reveals an existing robot's secret, so adopting the robot " +
                        "refreshes it: whatever uses the old secret must switch to the new one.",
                ),
            );
            const pages = fake.requests.filter((q) => q.method === "GET" && q.path === "/robots");
            assert.equal(pages.length, 2);
            assert.equal(pages[0]!.query.get("q"), "Level=project,ProjectID=1");
            assert.equal(fake.count("PATCH", /.*/), 0);
        });

        it("adopts an existing robot on create: same robot, declared state, new secret", async () => {
            const existing = fake.seedRobot("synergyflow", "synergyflow-puller");
            const oldSecret = existing.secret;
            const inputs = robotInputs({
                adopt: true,
                adoptId: existing.id,
                description: "pulls and pushes",
                access: [
                    { resource: "repository", action: "pull" },
                    { resource: "repository", action: "push" },
                ],
            });
            const created = await r.create(inputs);
            assert.equal(created.id, String(existing.id));
            assert.equal(fake.robots.size, 1);
            assert.equal(fake.count("POST", /^\/robots$/), 1); // the 409
            // Adoption rotates the secret: Pulumi now holds the only valid one.
            assert.notEqual(created.outs!.secret, oldSecret);
            assert.equal(created.outs!.secret, existing.secret);
            assert.deepEqual(created.outs, {
                ...inputs,
                robotId: existing.id,
                fullName: "robot$synergyflow+synergyflow-puller",
                secret: existing.secret,
                expiresAt: -1,
            });
            assert.equal(existing.description, "pulls and pushes");
            assert.deepEqual(
                existing.permissions[0]!.access.map((a) => a.action),
                ["pull", "push"],
            );
            const refreshed = await r.read(created.id, created.outs);
            assert.deepEqual(refreshed.props, created.outs);
            assert.equal((await r.diff(created.id, refreshed.props, inputs)).changes, false);
        });

        it("refuses to adopt a robot whose id differs from the configured one", async () => {
            const existing = fake.seedRobot("synergyflow", "synergyflow-puller");
            await rejectsWith(
                r.create(robotInputs({ adopt: true, adoptId: 999 })),
                'Cannot adopt Harbor robot "robot$synergyflow+synergyflow-puller": ' +
                    'platform:harborProjects.imports.robots["synergyflow/synergyflow-puller"] is ' +
                    `999, but Harbor's id is ${existing.id}. If that is the one to adopt, set the ` +
                    `entry to ${existing.id} and run \`pulumi up\` again.`,
            );
            assert.equal(fake.count("PATCH", /.*/), 0);
            assert.equal(fake.count("PUT", /.*/), 0);
        });

        it("never updates or replaces for a change of adopt or adoptId", async () => {
            const created = await r.create(robotInputs());
            const diff = await r.diff(
                created.id,
                created.outs!,
                robotInputs({ adopt: true, adoptId: 5 }),
            );
            assert.deepEqual(diff, { changes: false, replaces: [], deleteBeforeReplace: false });
        });

        it("fails clearly when the project does not exist", async () => {
            await rejectsWith(
                r.create(robotInputs({ project: "missing" })),
                /^Cannot create Harbor robot "synergyflow-puller": project "missing" was not found/,
            );
        });

        it("refreshes a robot, keeping its secret, and reads a deleted one as gone", async () => {
            const created = await r.create(robotInputs());
            const read = await r.read(created.id, created.outs);
            assert.deepEqual(read.props, created.outs);
            assert.deepEqual(read.inputs, robotInputs());

            await r.delete(created.id, created.outs!);
            assert.equal(fake.robots.size, 0);
            assert.equal((await r.read(created.id, created.outs)).id, "");
            // Deleting again is a no-op (404 = already gone).
            await r.delete(created.id, created.outs!);
            await rejectsWith(
                r.read("robot$synergyflow+x", created.outs),
                'Harbor robot id must be the numeric robot id (see GET /robots), got "robot$synergyflow+x"',
            );
        });

        it("keeps the secret only under the robot's additionalSecretOutputs", async () => {
            const created = await r.create(robotInputs());
            const read = await r.read(created.id, created.outs);
            const updated = await r.update(
                created.id,
                created.outs!,
                robotInputs({ rotation: "2025-06", description: "rotated" }),
            );
            const results = { created, read, updated };
            const secrets = [created.outs!.secret, updated.outs!.secret];
            assert.notEqual(secrets[0], secrets[1]);
            const allowed = new Set<string>(ROBOT_SECRET_OUTPUTS);
            for (const secret of [...secrets, connection().password]) {
                const paths = pathsContaining(results, secret);
                assert.ok(paths.length > 0, `${secret} never returned`);
                for (const at of paths) {
                    // <step>.<outs|props|inputs>.<key>
                    const [, , key] = at.split(".");
                    assert.ok(allowed.has(key!), `secret returned under ${at}`);
                }
            }
            // Read's inputs are the declared inputs: never the robot secret.
            assert.deepEqual(pathsContaining(read.inputs, secrets[0]!), []);
        });

        it("rejects a zero duration in check", async () => {
            const result = await r.check(robotInputs(), robotInputs({ durationDays: 0 }));
            assert.deepEqual(result.failures, [
                {
                    property: "durationDays",
                    reason: "must be a positive number of days or -1 (never expires), got 0",
                },
            ]);
        });
    });
});
