// The Harbor REST client (retries, error messages, pagination), the readiness wait, and the
// fake Harbor's own answers where Harbor 2.15.1 differs from its swagger, against an in-process
// fake Harbor API (tests/fake-harbor/).
import * as assert from "node:assert/strict";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import {
    HarborClient,
    projectProvider,
    robotProvider,
    waitForHarbor,
} from "../components/harbor-api";
import {
    connection,
    fake,
    projectInputs,
    rejectsWith,
    robotInputs,
    useFakeHarbor,
} from "./harbor-api-helpers";

describe("Harbor API providers (fake Harbor)", function () {
    this.timeout(10000);
    useFakeHarbor();

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
                    `(UNKNOWN: internal server error)`,
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
            const project = fake.seedProject("synergyflow");
            for (let i = 0; i < 25; i++) {
                fake.seedRobot("synergyflow", `bot-${i}`);
            }
            const client = new HarborClient({ ...connection(), pageSize: 10 });
            const q = { q: `Level=project,ProjectID=${project.project_id}` };
            const robots = await client.listAll<{ name: string }>("/robots", q);
            assert.equal(robots.length, 25);
            assert.equal(fake.count("GET", /^\/robots$/), 3);
            const pages = fake.requests.filter((r) => r.path === "/robots");
            assert.deepEqual(
                pages.map((r) => [r.query.get("page"), r.query.get("page_size"), r.query.get("q")]),
                [
                    ["1", "10", q.q],
                    ["2", "10", q.q],
                    ["3", "10", q.q],
                ],
            );
            const early = await client.listAll<{ name: string }>(
                "/robots",
                q,
                (r) => r.name === "robot$synergyflow+bot-12",
            );
            assert.equal(early.length, 13);
        });
    });

    // The fake answers as the server does: goharbor/harbor v2.15.1 src/server/v2.0/handler/
    // retention.go (GetRetention passes manager.go's plain "no such Retention policy" error on as a
    // 500; DeleteRetention and ListRetentionExecutions wrap it as 400; DeleteRetention leaves the
    // project's retention_id, removed only from v2.14.0, goharbor/harbor#22174), gc.go (POST over a
    // schedule overwrites it; none is a 200 with an empty body) and project.go DeleteProject
    // (robotMgr.DeleteByProjectID).
    describe("fake Harbor as Harbor 2.15.1", () => {
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

        it("clears the project's retention_id on DELETE /retentions/{id} (since v2.14.0), so a new policy can be made", async () => {
            const project = fake.seedProject("synergyflow");
            const client = once();
            const created = await client.request("POST", "/retentions", {
                body: { scope: { level: "project", ref: project.project_id } },
            });
            const id = HarborClient.idFromLocation(created.headers)!;
            assert.equal(project.metadata.retention_id, id);
            await client.request("DELETE", `/retentions/${id}`);
            assert.equal(project.metadata.retention_id, undefined);
            const again = await client.request("POST", "/retentions", {
                body: { scope: { level: "project", ref: project.project_id } },
            });
            assert.equal(project.metadata.retention_id, HarborClient.idFromLocation(again.headers));
        });

        it("refuses GC workers outside 1..10 with Harbor's 400 (handler/gc.go validateWorkers)", async () => {
            const client = once();
            await rejectsWith(
                client.request("POST", "/system/gc/schedule", {
                    body: {
                        schedule: { type: "Custom", cron: "0 0 2 * * *" },
                        parameters: { workers: 11 },
                    },
                }),
                `Harbor API POST ${fake.apiUrl}/system/gc/schedule returned 400 (BAD_REQUEST: ` +
                    "Error: Invalid number of workers:11. Workers must be greater than 0 and less than or equal to 10.)",
            );
            await client.request("POST", "/system/gc/schedule", {
                body: {
                    schedule: { type: "Custom", cron: "0 0 2 * * *" },
                    parameters: { workers: 10 },
                },
            });
            assert.equal(fake.gcSchedule?.parameters.workers, 10);
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

    // goharbor/harbor v2.15.1 src/server/v2.0/handler/ping.go: GET /api/v2.0/ping → 200 "Pong",
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
});
