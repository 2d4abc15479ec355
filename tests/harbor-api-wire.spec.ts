// The fake Harbor's robot, project and quota answers on the wire, byte for byte as goharbor/harbor
// v2.15.1 sends them: src/server/v2.0/handler/robot.go (validateName, validate, updateV2Robot,
// RefreshSec, ListRobot), src/pkg/robot/dao/dao.go (not found, already exists),
// src/server/v2.0/handler/project.go (CreateProject, UpdateProject, DeleteProject),
// src/pkg/project/manager.go and dao/dao.go, src/server/v2.0/handler/quota.go (UpdateQuota),
// src/lib/quota_storage_limit.go, src/lib/errors/errors.go + const.go (the message of an error with
// a cause) and src/lib/http/error.go (SendError: content type, trailing newline, 5xx masked).
import * as assert from "node:assert/strict";
import { connection, fake, useFakeHarbor } from "./harbor-api-helpers";

interface Answer {
    status: number;
    contentType: string | null;
    text: string;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const { username, password } = connection();
    const response = await fetch(`${fake.apiUrl}${path}`, {
        method,
        headers: {
            Authorization: "Basic " + Buffer.from(`${username}:${password}`).toString("base64"),
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
        status: response.status,
        contentType: response.headers.get("content-type"),
        text: await response.text(),
    };
}

/** Harbor's error answer: SendError's content type and Fprintln'd `{"errors":[...]}` line. */
function harborError(status: number, code: string, message: string): Answer {
    return {
        status,
        contentType: "application/json; charset=utf-8",
        text: JSON.stringify({ errors: [{ code, message }] }) + "\n",
    };
}

const robotBody = (overrides: Record<string, unknown> = {}) => ({
    name: "puller",
    description: "",
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
    ...overrides,
});

describe("fake Harbor answers as Harbor 2.15.1 on the wire", function () {
    this.timeout(10000);
    useFakeHarbor();

    describe("robots", () => {
        beforeEach(() => {
            fake.seedProject("synergyflow");
        });

        const bad = (message: string) => harborError(400, "BAD_REQUEST", message);
        const cases: [string, Record<string, unknown>, Answer][] = [
            [
                "a name with capitals",
                { name: "Puller" },
                bad("robot name is not in lower case or contains illegal characters"),
            ],
            [
                "a zero duration",
                { duration: 0 },
                bad(
                    "bad request error duration input: 0, duration must be either -1(Never) or a positive integer",
                ),
            ],
            ["an unknown level", { level: "team" }, bad("bad request error level input: team")],
            ["no permission", { permissions: [] }, bad("bad request empty permission")],
            [
                "a permission without access",
                { permissions: [{ kind: "project", namespace: "synergyflow", access: [] }] },
                bad("bad request empty access"),
            ],
            [
                "two project permissions",
                {
                    permissions: [
                        robotBody().permissions[0],
                        { ...robotBody().permissions[0], namespace: "other" },
                    ],
                },
                bad("bad request permission"),
            ],
            [
                "an access outside the project scope",
                {
                    permissions: [
                        {
                            kind: "project",
                            namespace: "synergyflow",
                            access: [{ resource: "repository", action: "stop" }],
                        },
                    ],
                },
                bad("bad request permission: repository:stop"),
            ],
            [
                "an unknown permission kind",
                { permissions: [{ ...robotBody().permissions[0], kind: "team" }] },
                bad("bad request permission level: team"),
            ],
            [
                "a missing project",
                { permissions: [{ ...robotBody().permissions[0], namespace: "missing" }] },
                harborError(404, "NOT_FOUND", "project missing not found"),
            ],
        ];
        for (const [label, overrides, expected] of cases) {
            it(`refuses ${label} on create`, async () => {
                assert.deepEqual(await call("POST", "/robots", robotBody(overrides)), expected);
                assert.equal(fake.robots.size, 0);
            });
        }

        it("answers a second robot of the same name with the dao's conflict", async () => {
            const first = await call("POST", "/robots", robotBody());
            assert.equal(first.status, 201);
            assert.equal(first.contentType, "application/json");
            assert.match(first.text, /^\{"id":\d+,"name":"robot\$synergyflow\+puller",.*\}\n$/);
            const id = fake.projects.get("synergyflow")!.project_id;
            assert.deepEqual(
                await call("POST", "/robots", robotBody()),
                harborError(
                    409,
                    "CONFLICT",
                    `robot account ${id}:synergyflow+puller already exists`,
                ),
            );
        });

        it("creates a robot enabled whatever `disable` says (CreateRobot does not copy it)", async () => {
            await call("POST", "/robots", robotBody({ disable: true }));
            assert.equal([...fake.robots.values()][0]!.disable, false);
        });

        it("answers a missing robot with the dao's 404 on read, update, refresh and delete", async () => {
            const expected = harborError(404, "NOT_FOUND", "robot 999 not found");
            assert.deepEqual(await call("GET", "/robots/999"), expected);
            assert.deepEqual(await call("PUT", "/robots/999", robotBody()), expected);
            assert.deepEqual(await call("PATCH", "/robots/999", { secret: "" }), expected);
            assert.deepEqual(await call("DELETE", "/robots/999"), expected);
        });

        it("refuses to rename a robot or move it to another project", async () => {
            const robot = fake.seedRobot("synergyflow", "puller");
            fake.seedProject("other");
            const put = (overrides: Record<string, unknown>) =>
                call("PUT", `/robots/${robot.id}`, robotBody({ name: robot.name, ...overrides }));
            assert.deepEqual(
                await put({ name: "robot$synergyflow+pusher" }),
                bad("cannot update the level or name of robot"),
            );
            assert.deepEqual(
                await put({ permissions: [{ ...robotBody().permissions[0], namespace: "other" }] }),
                bad("cannot update the project id of robot"),
            );
            assert.equal((await put({ description: "pulls" })).status, 200);
            assert.equal(robot.description, "pulls");
        });

        it("refuses a chosen secret that fails IsValidSec", async () => {
            const robot = fake.seedRobot("synergyflow", "puller");
            assert.deepEqual(
                await call("PATCH", `/robots/${robot.id}`, { secret: "lowercase1" }),
                bad(
                    "the secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number",
                ),
            );
            const ok = await call("PATCH", `/robots/${robot.id}`, { secret: "Chosen123" });
            assert.deepEqual([ok.status, ok.text], [200, '{"secret":""}\n']);
        });

        it("lists a project's robots only with Level=project and a positive ProjectID", async () => {
            const robot = fake.seedRobot("synergyflow", "puller");
            const id = fake.projects.get("synergyflow")!.project_id;
            assert.deepEqual(
                await call("GET", "/robots?q=Level%3Dproject"),
                bad("must with project ID when to query project robots"),
            );
            assert.deepEqual(
                await call("GET", "/robots?q=Level%3Dproject,ProjectID%3D0"),
                bad("ProjectID must be a positive integer"),
            );
            assert.deepEqual(
                await call("GET", "/robots?q=Level%3Dteam"),
                bad("bad request error level input"),
            );
            const none = await call("GET", "/robots");
            assert.deepEqual([none.status, none.text], [200, "[]\n"]);
            const listed = await call("GET", `/robots?q=Level%3Dproject,ProjectID%3D${id}`);
            assert.deepEqual(
                (JSON.parse(listed.text) as { id: number }[]).map((r) => r.id),
                [robot.id],
            );
        });
    });

    describe("projects and quotas", () => {
        it("refuses a bad project name, a bad public flag and a bad storage limit", async () => {
            const bad = (message: string) => harborError(400, "BAD_REQUEST", message);
            assert.deepEqual(
                await call("POST", "/projects", { project_name: "Synergy" }),
                bad("project name is not in lower case or contains illegal characters"),
            );
            assert.deepEqual(
                await call("POST", "/projects", { project_name: "" }),
                bad("Project name  is illegal in length. (greater than 255 or less than 1)"),
            );
            assert.deepEqual(
                await call("POST", "/projects", {
                    project_name: "synergyflow",
                    metadata: { public: "yes" },
                }),
                bad("metadata.public should only be 'true' or 'false', but got: 'yes'"),
            );
            assert.deepEqual(
                await call("POST", "/projects", { project_name: "synergyflow", storage_limit: -2 }),
                bad("bad request: invalid non-positive value for quota limit, value=-2"),
            );
            assert.equal(fake.projects.size, 0);
        });

        it("answers a duplicate, a missing and a non-empty project as the dao and handler do", async () => {
            const project = fake.seedProject("synergyflow");
            assert.deepEqual(
                await call("POST", "/projects", { project_name: "synergyflow" }),
                harborError(409, "CONFLICT", "The project named synergyflow already exists"),
            );
            assert.deepEqual(
                await call("GET", "/projects/999"),
                harborError(404, "NOT_FOUND", "project 999 not found"),
            );
            project.repo_count = 1;
            assert.deepEqual(
                await call("DELETE", `/projects/${project.project_id}`),
                harborError(
                    412,
                    "PRECONDITION",
                    "precondition failed: the project contains repositories, can not be deleted",
                ),
            );
        });

        it("refuses a retention_id other than the project's on update", async () => {
            const project = fake.seedProject("synergyflow");
            assert.deepEqual(
                await call("PUT", `/projects/${project.project_id}`, {
                    metadata: { retention_id: "7" },
                }),
                harborError(
                    400,
                    "BAD_REQUEST",
                    "the retention_id in the request's payload when updating a project should be omitted, alternatively passing the one that has already been associated to this project",
                ),
            );
        });

        it("validates a quota update as UpdateQuota and the project quota driver do", async () => {
            const project = fake.seedProject("synergyflow");
            const quota = [...fake.quotas.values()].find((q) => q.ref.id === project.project_id)!;
            const bad = (message: string) => harborError(400, "BAD_REQUEST", message);
            assert.deepEqual(
                await call("PUT", `/quotas/${quota.id}`, { hard: {} }),
                bad("hard required in body"),
            );
            assert.deepEqual(
                await call("PUT", "/quotas/999", { hard: { storage: 1 } }),
                harborError(404, "NOT_FOUND", "quota 999 not found"),
            );
            assert.deepEqual(
                await call("PUT", `/quotas/${quota.id}`, { hard: { count: 1 } }),
                bad("resource count not support"),
            );
            assert.deepEqual(
                await call("PUT", `/quotas/${quota.id}`, { hard: { storage: 1125899906842625 } }),
                bad("exceeded 1024TB, which is 1125899906842624 Bytes, value=1125899906842625"),
            );
            assert.equal(
                (await call("PUT", `/quotas/${quota.id}`, { hard: { storage: 10 } })).status,
                200,
            );
            assert.equal(quota.hard.storage, 10);
        });

        it("masks a 5xx as SendError does and answers /ping in plain text", async () => {
            fake.failNext(500, 1);
            assert.deepEqual(
                await call("GET", "/projects"),
                harborError(500, "UNKNOWN", "internal server error"),
            );
            const pong = await fetch(`${fake.apiUrl}/ping`);
            assert.deepEqual(
                [pong.status, pong.headers.get("content-type"), await pong.text()],
                [200, "text/plain", "Pong"],
            );
        });
    });
});
