// Drives the Harbor dynamic providers' check/create/read/diff/update/delete directly against an
// in-process fake Harbor API (tests/fake-harbor.ts).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
    GcScheduleProviderInputs,
    HarborClient,
    HarborGcSchedule,
    ProjectProviderInputs,
    ProjectSpec,
    RetentionProviderInputs,
    RetentionProviderOutputs,
    RobotProviderInputs,
    ROBOT_SECRET_OUTPUTS,
    gcScheduleProvider,
    projectProvider,
    retentionPolicyProvider,
    robotProvider,
    validateHarborProjects,
    waitForHarbor,
} from "../components/harbor-api";
import { FakeHarbor } from "./fake-harbor";

type Provider<I, O> = pulumi.dynamic.ResourceProvider<I, O>;

/** Non-optional access to a provider's methods. */
function ops<I, O>(provider: Provider<I, O>) {
    return {
        check: provider.check!,
        create: provider.create,
        read: provider.read!,
        diff: provider.diff!,
        update: provider.update!,
        delete: provider.delete!,
    };
}

const fake = new FakeHarbor();

function connection() {
    return {
        apiUrl: fake.apiUrl,
        username: "admin",
        password: "Harbor12345",
        maxAttempts: 4,
        retryBaseDelayMs: 1,
    };
}

function projectInputs(overrides: Partial<ProjectProviderInputs> = {}): ProjectProviderInputs {
    return {
        ...connection(),
        name: "synergyflow",
        public: false,
        storageQuotaBytes: -1,
        autoScan: true,
        preventVulnerable: true,
        severity: "high",
        cosignEnforced: false,
        ...overrides,
    };
}

function robotInputs(overrides: Partial<RobotProviderInputs> = {}): RobotProviderInputs {
    return {
        ...connection(),
        project: "synergyflow",
        name: "synergyflow-puller",
        description: "pulls images",
        durationDays: -1,
        access: [{ resource: "repository", action: "pull" }],
        disabled: false,
        rotation: "",
        ...overrides,
    };
}

function gcInputs(overrides: Partial<GcScheduleProviderInputs> = {}): GcScheduleProviderInputs {
    return {
        ...connection(),
        schedule: "0 0 2 * * *",
        deleteUntagged: false,
        workers: 1,
        ...overrides,
    };
}

function retentionInputs(
    overrides: Partial<RetentionProviderInputs> = {},
): RetentionProviderInputs {
    return {
        ...connection(),
        project: "synergyflow",
        keepLatest: 10,
        schedule: "0 0 3 * * *",
        tagPattern: "**",
        repositoryPattern: "**",
        includeUntagged: true,
        ...overrides,
    };
}

async function rejectsWith(promise: Promise<unknown>, expected: string | RegExp): Promise<Error> {
    try {
        await promise;
    } catch (err) {
        assert.ok(err instanceof Error, "expected an Error");
        if (typeof expected === "string") {
            assert.equal(err.message, expected);
        } else {
            assert.match(err.message, expected);
        }
        return err;
    }
    assert.fail(`expected a rejection matching ${String(expected)}`);
}

/** The exact "already exists" error text for an object that `imports` YAML lines adopt. */
function alreadyExistsMessage(what: string, imports: string[], note?: string): string {
    return (
        `${what} already exists. To adopt it instead of creating it, add it to ` +
        "platform:harborProjects.imports in the stack config (Pulumi.<stack>.yaml; merge it into " +
        "the existing platform:harborProjects block) and run `pulumi up`:\n" +
        "\n" +
        "  platform:harborProjects:\n" +
        "    imports:\n" +
        imports.map((line) => `      ${line}`).join("\n") +
        (note === undefined ? "" : `\n\n${note}`)
    );
}

/**
 * Every path (e.g. "outs.secret") under which `needle` occurs in `value`, in strings or as part of
 * any nested value.
 */
function pathsContaining(value: unknown, needle: string, at = ""): string[] {
    if (typeof value === "string") {
        return value.includes(needle) ? [at] : [];
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
            pathsContaining(v, needle, at === "" ? key : `${at}.${key}`),
        );
    }
    return [];
}

describe("Harbor API providers (fake Harbor)", function () {
    this.timeout(10000);

    before(async () => {
        await fake.start();
    });
    after(async () => {
        await fake.stop();
    });
    beforeEach(() => {
        fake.reset();
    });

    describe("HarborClient", () => {
        it("retries a 500 and then succeeds", async () => {
            fake.seedProject("synergyflow");
            fake.failNext(500, 2, { method: "GET" });
            const client = new HarborClient(connection());
            const project = await client.get<{ name: string }>("/projects/synergyflow", {
                headers: { "X-Is-Resource-Name": "true" },
            });
            assert.equal(project.name, "synergyflow");
            assert.equal(fake.count("GET", /^\/projects\/synergyflow$/), 3);
        });

        it("gives up after maxAttempts on a persistent 500 and names method, URL and status", async () => {
            fake.failNext(500, Infinity);
            const err = await rejectsWith(
                projectProvider.create(projectInputs()),
                `Harbor API POST ${fake.apiUrl}/projects failed after 4 attempt(s); last status 500 ` +
                    `(INTERNAL_SERVER_ERROR: injected failure)`,
            );
            assert.equal((err as Error & { status?: number }).status, 500);
            assert.equal(fake.count("POST", /^\/projects$/), 4);
        });

        it("retries connection errors and then reports the unreachable URL", async () => {
            const closed = http.createServer();
            await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
            const port = (closed.address() as AddressInfo).port;
            await new Promise<void>((resolve) =>
                closed.close(() => {
                    resolve();
                }),
            );
            const apiUrl = `http://127.0.0.1:${port}/api/v2.0`;
            const client = new HarborClient({ ...connection(), apiUrl, maxAttempts: 3 });
            await rejectsWith(
                client.get("/projects"),
                new RegExp(
                    `^Harbor API GET ${apiUrl}/projects failed after 3 attempt\\(s\\): could not ` +
                        `connect \\(.*ECONNREFUSED.*\\)\\. Check that apiUrl ${apiUrl} is correct ` +
                        `and reachable\\.$`,
                ),
            );
        });

        it("maps 401 to a message naming the credentials and the API URL", async () => {
            await rejectsWith(
                projectProvider.create(projectInputs({ password: "wrong" })),
                `Harbor API POST ${fake.apiUrl}/projects returned 401 Unauthorized ` +
                    `(UNAUTHORIZED: unauthorized). Check the Harbor admin username and password ` +
                    `(1Password item "harbor-core", field "admin_password") and the API URL ` +
                    `(apiUrl = ${fake.apiUrl}).`,
            );
            // 4xx responses are not retried.
            assert.equal(fake.count("POST", /^\/projects$/), 1);
        });

        it("maps 403 to a message naming the needed rights, the credentials and the API URL", async () => {
            await rejectsWith(
                robotProvider.create(robotInputs({ ...fake.nonAdmin })),
                `Harbor API POST ${fake.apiUrl}/robots returned 403 Forbidden (FORBIDDEN: ` +
                    `forbidden). The user lacks permission: check the Harbor admin username and ` +
                    `password (1Password item "harbor-core", field "admin_password") (the user ` +
                    `must be a Harbor system administrator) and the API URL (apiUrl = ` +
                    `${fake.apiUrl}).`,
            );
            assert.equal(fake.count("POST", /^\/robots$/), 1);
        });

        it("follows page/page_size pagination using X-Total-Count", async () => {
            fake.seedProject("synergyflow");
            for (let i = 0; i < 25; i++) {
                fake.seedRobot("synergyflow", `bot-${i}`);
            }
            const client = new HarborClient({ ...connection(), pageSize: 10 });
            const robots = await client.listAll<{ name: string }>("/robots");
            assert.equal(robots.length, 25);
            assert.equal(fake.count("GET", /^\/robots$/), 3);
            const pages = fake.requests.filter((r) => r.path === "/robots");
            assert.deepEqual(
                pages.map((r) => [r.query.get("page"), r.query.get("page_size")]),
                [
                    ["1", "10"],
                    ["2", "10"],
                    ["3", "10"],
                ],
            );
            const early = await client.listAll<{ name: string }>(
                "/robots",
                {},
                (r) => r.name === "robot$synergyflow+bot-12",
            );
            assert.equal(early.length, 13);
        });
    });

    // The fake answers as the server does: goharbor/harbor v2.12.4 src/server/v2.0/handler/
    // retention.go (GetRetention passes manager.go's plain "no such Retention policy" error on as a
    // 500; DeleteRetention and ListRetentionExecutions wrap it as 400; DeleteRetention leaves the
    // project's retention_id, removed only from v2.14.0, goharbor/harbor#22174), gc.go (POST over a
    // schedule overwrites it; none is a 200 with an empty body) and project.go DeleteProject
    // (robotMgr.DeleteByProjectID).
    describe("fake Harbor as Harbor 2.12.4", () => {
        const once = () => new HarborClient({ ...connection(), maxAttempts: 1 });

        it("answers a missing retention policy with 500 on GET and 400 on DELETE", async () => {
            const client = once();
            const get = await rejectsWith(client.get("/retentions/42"), /returned|failed/);
            assert.equal((get as Error & { status?: number }).status, 500);
            assert.equal(
                (get as Error & { harborMessage?: string }).harborMessage,
                "internal server error",
            );
            const del = await rejectsWith(client.request("DELETE", "/retentions/42"), /400/);
            assert.equal(
                (del as Error & { harborMessage?: string }).harborMessage,
                "bad request: no such Retention policy with id 42",
            );
            await rejectsWith(
                client.get("/retentions/42/executions"),
                `Harbor API GET ${fake.apiUrl}/retentions/42/executions returned 400 ` +
                    "(BAD_REQUEST: bad request: no such Retention policy with id 42)",
            );
        });

        it("keeps the project's retention_id after DELETE /retentions/{id}", async () => {
            const project = fake.seedProject("synergyflow");
            const client = once();
            const created = await client.request("POST", "/retentions", {
                body: { scope: { level: "project", ref: project.project_id } },
            });
            const id = HarborClient.idFromLocation(created.headers)!;
            await client.request("DELETE", `/retentions/${id}`);
            assert.equal(project.metadata.retention_id, id);
            await rejectsWith(
                client.request("POST", "/retentions", {
                    body: { scope: { level: "project", ref: project.project_id } },
                }),
                `Harbor API POST ${fake.apiUrl}/retentions returned 400 (BAD_REQUEST: bad ` +
                    `request: project ${project.project_id} already has retention policy ${id})`,
            );
        });

        it("overwrites a GC schedule on POST and answers none with an empty body", async () => {
            const client = once();
            assert.equal(await client.get("/system/gc/schedule"), undefined);
            fake.gcSchedule = { type: "Daily", cron: "0 0 0 * * *", parameters: {} };
            const posted = await client.request("POST", "/system/gc/schedule", {
                body: { schedule: { type: "Custom", cron: "0 0 2 * * *" }, parameters: {} },
            });
            assert.equal(posted.status, 201);
            assert.equal(fake.gcSchedule.cron, "0 0 2 * * *");
        });

        it("deletes a project's robots with the project", async () => {
            fake.seedProject("synergyflow");
            fake.seedProject("kubekloud");
            fake.seedRobot("synergyflow", "puller");
            const other = fake.seedRobot("kubekloud", "puller");
            await once().request("DELETE", "/projects/synergyflow", {
                headers: { "X-Is-Resource-Name": "true" },
            });
            assert.deepEqual([...fake.robots.keys()], [other.id]);
        });
    });

    // goharbor/harbor v2.12.4 src/server/v2.0/handler/ping.go: GET /api/v2.0/ping → 200 "Pong",
    // no authentication.
    describe("waitForHarbor", () => {
        it("polls /ping until Harbor answers, logging each failed attempt", async () => {
            fake.failNext(503, 2, { path: /^\/ping$/ });
            const lines: string[] = [];
            await waitForHarbor(fake.apiUrl, {
                timeoutMs: 60000,
                intervalMs: 1,
                log: (m) => lines.push(m),
            });
            assert.equal(fake.count("GET", /^\/ping$/), 3);
            assert.equal(lines.length, 3);
            assert.match(
                lines[0]!,
                new RegExp(
                    `^Waiting for Harbor at ${fake.apiUrl}/ping: HTTP 503 \\(attempt 1, 0 s of 60 s\\)$`,
                ),
            );
            assert.match(lines[2]!, new RegExp(`^Harbor answers at ${fake.apiUrl}/ping after `));
        });

        it("returns at once, silently, when Harbor already answers", async () => {
            const lines: string[] = [];
            await waitForHarbor(fake.apiUrl, { timeoutMs: 1000, log: (m) => lines.push(m) });
            assert.deepEqual(lines, []);
            assert.equal(fake.count("GET", /^\/ping$/), 1);
        });

        it("gives up after the timeout, naming the URL, the last reason and the config key", async () => {
            fake.failNext(503, Infinity, { path: /^\/ping$/ });
            await rejectsWith(
                waitForHarbor(fake.apiUrl, { timeoutMs: 0, intervalMs: 1, log: () => undefined }),
                `Harbor did not answer GET ${fake.apiUrl}/ping within 0 s (1 attempt, last: ` +
                    `HTTP 503). Check the HTTPRoute, DNS and certificate of ` +
                    `${new URL(fake.apiUrl).host}, or raise platform:harborProjects.apiWaitSeconds`,
            );
        });
    });

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
            // Left behind by a delete on Harbor 2.12.4 (handler/retention.go DeleteRetention).
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

        it("leaves another policy's retention_id alone on delete", async () => {
            const created = await t.create(retentionInputs());
            const project = fake.projects.get("synergyflow")!;
            project.metadata.retention_id = "999";
            await t.delete(created.id, created.outs as RetentionProviderOutputs);
            assert.equal(project.metadata.retention_id, "999");
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

    describe("serialized provider", () => {
        it("still works after Pulumi serializes it with its closure", async function () {
            this.timeout(20000);
            fake.seedProject("synergyflow");
            // Same call as pulumi.dynamic.Resource makes for its provider argument.
            const original = robotProvider;
            const serialized = await pulumi.runtime.serializeFunction(() => original, {
                allowSecrets: true,
            });
            assert.doesNotMatch(serialized.text, /require\("@pulumi\/pulumi"\)/);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-provider-"));
            try {
                const file = path.join(dir, "provider.js");
                fs.writeFileSync(file, serialized.text);
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const loaded = require(file) as { handler: () => typeof robotProvider };
                const provider = loaded.handler();
                const created = await provider.create(robotInputs());
                assert.equal(created.outs!.fullName, "robot$synergyflow+synergyflow-puller");
                await rejectsWith(
                    provider.create(robotInputs()),
                    /already exists\. To adopt it instead of creating it, add it to platform:harborProjects\.imports/,
                );
                const adopted = await provider.create(robotInputs({ adopt: true }));
                assert.equal(adopted.id, created.id);
                assert.notEqual(adopted.outs!.secret, created.outs!.secret);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
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
