// Drives the Harbor project provider's check/create/read/diff/update/delete directly against an
// in-process fake Harbor API (tests/fake-harbor/), and checks the project specs
// (validateHarborProjects).
import * as assert from "node:assert/strict";
import { ProjectSpec, projectProvider, validateHarborProjects } from "../components/harbor-api";
import { fake, ops, projectInputs, rejectsWith, useFakeHarbor } from "./harbor-api-helpers";

describe("Harbor API providers (fake Harbor)", function () {
    this.timeout(10000);
    useFakeHarbor();

    describe("projectProvider", () => {
        const p = ops(projectProvider);

        it("creates, reads, updates and deletes a project", async () => {
            const inputs = projectInputs({ storageQuotaBytes: 10 * 1024 ** 3 });
            const created = await p.create(inputs);
            assert.equal(created.id, "synergyflow");
            const stored = fake.projects.get("synergyflow")!;
            assert.equal(created.outs!.projectId, stored.project_id);
            assert.deepEqual(stored.metadata, {
                public: "false",
                auto_scan: "true",
                prevent_vul: "true",
                severity: "high",
                enable_content_trust_cosign: "false",
            });
            const post = fake.requests.find((r) => r.method === "POST")!;
            assert.equal((post.body as { storage_limit: number }).storage_limit, 10 * 1024 ** 3);

            const read = await p.read(created.id, created.outs);
            assert.equal(read.id, "synergyflow");
            assert.deepEqual(read.props, created.outs);

            const news = projectInputs({
                public: true,
                cosignEnforced: true,
                storageQuotaBytes: 20 * 1024 ** 3,
            });
            const diff = await p.diff(created.id, created.outs!, news);
            assert.equal(diff.changes, true);
            assert.deepEqual(diff.replaces, []);
            const updated = await p.update(created.id, created.outs!, news);
            assert.equal(updated.outs!.projectId, stored.project_id);
            assert.equal(stored.metadata.public, "true");
            assert.equal(stored.metadata.enable_content_trust_cosign, "true");
            const quota = [...fake.quotas.values()].find((q) => q.ref.id === stored.project_id)!;
            assert.equal(quota.hard.storage, 20 * 1024 ** 3);
            assert.deepEqual(await p.diff(created.id, updated.outs!, news), {
                changes: false,
                replaces: [],
                deleteBeforeReplace: false,
            });

            await p.delete(created.id, updated.outs!);
            assert.equal(fake.projects.has("synergyflow"), false);
            const gone = await p.read(created.id, updated.outs);
            assert.equal(gone.id, "");
        });

        it("refuses to create an existing project and says how to adopt it", async () => {
            fake.seedProject("synergyflow");
            await rejectsWith(
                p.create(projectInputs()),
                'Harbor project "synergyflow" already exists. To adopt it instead of creating ' +
                    "it, add it to platform:harborProjects.imports in the stack config " +
                    "(Pulumi.<stack>.yaml; merge it into the existing platform:harborProjects " +
                    "block) and run `pulumi up`:\n" +
                    "\n" +
                    "  platform:harborProjects:\n" +
                    "    imports:\n" +
                    "      projects:\n" +
                    "        - synergyflow",
            );
            assert.equal(fake.count("PUT", /.*/), 0);
        });

        it("adopts an existing project on create and brings it to the declared state", async () => {
            const existing = fake.seedProject("synergyflow", {
                auto_scan: "false",
                prevent_vul: "false",
                severity: "low",
            });
            const inputs = projectInputs({ adopt: true, storageQuotaBytes: 10 * 1024 ** 3 });
            const created = await p.create(inputs);
            assert.equal(created.id, "synergyflow");
            assert.deepEqual(created.outs, { ...inputs, projectId: existing.project_id });
            assert.equal(fake.projects.size, 1);
            assert.deepEqual(existing.metadata, {
                public: "false",
                auto_scan: "true",
                prevent_vul: "true",
                severity: "high",
                enable_content_trust_cosign: "false",
            });
            const quota = [...fake.quotas.values()].find((q) => q.ref.id === existing.project_id)!;
            assert.equal(quota.hard.storage, 10 * 1024 ** 3);
            // The engine stores the outs; refresh and the next diff see no drift.
            const refreshed = await p.read(created.id, created.outs);
            assert.deepEqual(refreshed.props, created.outs);
            assert.equal((await p.diff(created.id, refreshed.props, inputs)).changes, false);
        });

        it("adopts a project that already matches without writing to it", async () => {
            fake.seedProject("synergyflow", {
                auto_scan: "true",
                prevent_vul: "true",
                severity: "high",
                enable_content_trust_cosign: "false",
            });
            const created = await p.create(projectInputs({ adopt: true }));
            assert.equal(created.id, "synergyflow");
            assert.equal(fake.count("PUT", /.*/), 0);
        });

        it("creates normally when adopt is set but nothing exists", async () => {
            const created = await p.create(projectInputs({ adopt: true }));
            assert.equal(created.id, "synergyflow");
            assert.equal(fake.projects.get("synergyflow")!.project_id, created.outs!.projectId);
        });

        it("never updates or replaces for a change of adopt", async () => {
            const created = await p.create(projectInputs());
            const diff = await p.diff(created.id, created.outs!, projectInputs({ adopt: true }));
            assert.deepEqual(diff, { changes: false, replaces: [], deleteBeforeReplace: false });
        });

        it("reports a rename as a replacement and metadata changes as in-place updates", async () => {
            const created = await p.create(projectInputs());
            const rename = await p.diff(
                created.id,
                created.outs!,
                projectInputs({ name: "other" }),
            );
            assert.deepEqual(rename, {
                changes: true,
                replaces: ["name"],
                deleteBeforeReplace: false,
            });
            const flip = await p.diff(
                created.id,
                created.outs!,
                projectInputs({ autoScan: false }),
            );
            assert.deepEqual(flip.replaces, []);
            assert.equal(flip.changes, true);
            const password = await p.diff(
                created.id,
                created.outs!,
                projectInputs({ password: "rotated" }),
            );
            assert.deepEqual(password, {
                changes: true,
                replaces: [],
                deleteBeforeReplace: false,
            });
        });

        it("ignores the severity while vulnerable images are not blocked", async () => {
            const olds = { ...projectInputs({ preventVulnerable: false }), projectId: 1 };
            const diff = await p.diff("synergyflow", olds, {
                ...projectInputs({ preventVulnerable: false, severity: "low" }),
            });
            assert.equal(diff.changes, false);
        });

        it("explains a refused delete of a non-empty project", async () => {
            const created = await p.create(projectInputs());
            fake.projects.get("synergyflow")!.repo_count = 2;
            await rejectsWith(
                p.delete(created.id, created.outs!),
                /^Harbor refused to delete project "synergyflow" because it is not empty .*412/,
            );
        });

        it("rejects invalid inputs in check", async () => {
            const result = await p.check(projectInputs(), projectInputs({ name: "Bad_Name" }));
            assert.equal(result.failures?.[0]?.property, "name");
        });
    });

    describe("validateHarborProjects", () => {
        const base = (overrides: Partial<ProjectSpec> = {}): ProjectSpec => ({
            name: "synergyflow",
            public: false,
            autoScan: true,
            cosignEnforced: true,
            robots: [{ name: "puller", permissions: ["pull"], expiresInDays: -1 }],
            ...overrides,
        });

        it("accepts a valid spec", () => {
            validateHarborProjects([
                base({ retention: { keepLatest: 10, schedule: "0 0 3 * * *" } }),
                base({ name: "library", robots: [] }),
            ]);
        });

        const cases: [string, ProjectSpec[], string][] = [
            [
                "duplicate project names",
                [base(), base()],
                'Harbor project "synergyflow" is declared more than once',
            ],
            [
                "an invalid project name",
                [base({ name: "Synergy--Flow" })],
                'Harbor project name "Synergy--Flow" is invalid: use 1-255 lowercase letters and ' +
                    'digits separated by single ".", "_" or "-" (^[a-z0-9]+(?:[._-][a-z0-9]+)*$)',
            ],
            [
                "an over-long project name",
                [base({ name: "a".repeat(256) })],
                `Harbor project name "${"a".repeat(256)}" is invalid: use 1-255 lowercase letters ` +
                    'and digits separated by single ".", "_" or "-" (^[a-z0-9]+(?:[._-][a-z0-9]+)*$)',
            ],
            [
                "duplicate robot names",
                [
                    base({
                        robots: [
                            { name: "puller", permissions: ["pull"], expiresInDays: -1 },
                            { name: "puller", permissions: ["push"], expiresInDays: 30 },
                        ],
                    }),
                ],
                'Harbor robot "synergyflow/puller" is declared more than once in project "synergyflow"',
            ],
            [
                "empty permissions",
                [base({ robots: [{ name: "puller", permissions: [], expiresInDays: -1 }] })],
                'Harbor robot "synergyflow/puller" needs at least one permission ("pull" or "push")',
            ],
            [
                "an unknown permission",
                [
                    base({
                        robots: [
                            {
                                name: "puller",
                                permissions: ["delete" as "pull"],
                                expiresInDays: -1,
                            },
                        ],
                    }),
                ],
                'Harbor robot "synergyflow/puller" has unknown permission "delete"; allowed: "pull", "push"',
            ],
            [
                "expiresInDays 0",
                [base({ robots: [{ name: "puller", permissions: ["pull"], expiresInDays: 0 }] })],
                'Harbor robot "synergyflow/puller" has expiresInDays 0; use a positive whole ' +
                    "number of days or -1 for never",
            ],
            [
                "expiresInDays below -1",
                [base({ robots: [{ name: "puller", permissions: ["pull"], expiresInDays: -2 }] })],
                'Harbor robot "synergyflow/puller" has expiresInDays -2; use a positive whole ' +
                    "number of days or -1 for never",
            ],
            [
                "a 5-field retention cron",
                [base({ retention: { keepLatest: 10, schedule: "0 3 * * *" } })],
                'Harbor project "synergyflow" retention schedule: "0 3 * * *" has 5 fields, but ' +
                    'Harbor cron expressions have 6 fields with seconds first; did you mean "0 0 3 * * *"?',
            ],
            [
                "a non-positive keepLatest",
                [base({ retention: { keepLatest: 0, schedule: "0 0 3 * * *" } })],
                'Harbor project "synergyflow": retention.keepLatest must be a whole number >= 1, got 0',
            ],
        ];
        for (const [label, projects, message] of cases) {
            it(`rejects ${label}`, () => {
                assert.throws(() => {
                    validateHarborProjects(projects);
                }, new Error(message));
            });
        }
    });
});
