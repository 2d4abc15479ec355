// Project robot accounts (robot v2 API), answering as goharbor/harbor v2.15.1 does:
// src/server/v2.0/handler/robot.go (CreateRobot, ListRobot, GetRobotByID, UpdateRobot /
// updateV2Robot, RefreshSec, DeleteRobot, validate, validateName), src/controller/robot/
// controller.go (the `<project>+<name>` name, the robot$ prefix on reads, IsValidSec, SetProject),
// src/pkg/robot/dao/dao.go (the "not found" and "already exists" texts), src/pkg/project/
// manager.go + dao/dao.go (the project lookup) and src/common/rbac/const.go (the project-scope
// policies a robot may be given). Only project-level robots are modelled: a system-level robot
// or a system-kind permission is a fault of the test and answers 500 as an unexpected error does.
import type { FakeProject, FakeRobot, FakeState, RouteRequest } from "./state";
import { HttpError, NOW, PREFIX, type Reply } from "./wire";

/** The fake's creation time (NOW) in Unix seconds. */
const CREATED = Date.parse(NOW) / 1000;

/** Harbor never returns a robot's secret except on creation and refresh. */
export function withoutSecret(robot: FakeRobot): Omit<FakeRobot, "secret"> {
    const copy: Partial<FakeRobot> = { ...robot };
    delete copy.secret;
    return copy as Omit<FakeRobot, "secret">;
}

/** /robots and /robots/{id}. */
export function routeRobots(harbor: FakeState, req: RouteRequest, reply: Reply): boolean {
    const { method, path, parts, query, input } = req;
    const [, a, b] = parts;
    if (a === undefined) {
        if (method === "GET") {
            listRobots(harbor, path, query, reply);
            return true;
        }
        if (method === "POST") {
            createRobot(harbor, input, reply);
            return true;
        }
        return false;
    }
    if (b !== undefined) {
        return false;
    }
    const robot = getRobot(harbor, a);
    if (method === "GET") {
        reply.send(200, withoutSecret(robot));
        return true;
    }
    if (method === "PUT") {
        updateRobot(harbor, robot, input);
        reply.send(200);
        return true;
    }
    if (method === "PATCH") {
        // RefreshSec: a chosen secret must pass IsValidSec and is not echoed; none makes one.
        const requested = typeof input.secret === "string" ? input.secret : "";
        if (requested !== "" && !isValidSecret(requested)) {
            throw new HttpError(
                400,
                "BAD_REQUEST",
                "the secret must be 8-128, inclusively, characters long with at least 1 uppercase " +
                    "letter, 1 lowercase letter and 1 number",
            );
        }
        robot.secret = requested === "" ? harbor.newSecret() : requested;
        reply.send(200, { secret: requested === "" ? robot.secret : "" });
        return true;
    }
    if (method === "DELETE") {
        harbor.robots.delete(robot.id);
        reply.send(200);
        return true;
    }
    return false;
}

/** dao.Get: 404 "robot <id> not found". */
function getRobot(harbor: FakeState, id: string): FakeRobot {
    const robot = harbor.robots.get(Number(id));
    if (robot === undefined) {
        throw new HttpError(404, "NOT_FOUND", `robot ${Number(id)} not found`);
    }
    return robot;
}

/** IsValidSec: 8-128 characters with a lower-case letter, an upper-case letter and a digit. */
function isValidSecret(secret: string): boolean {
    return (
        secret.length >= 8 &&
        secret.length <= 128 &&
        /[a-z]/.test(secret) &&
        /[A-Z]/.test(secret) &&
        /\d/.test(secret)
    );
}

type Permissions = FakeRobot["permissions"];

/** src/common/rbac/const.go PoliciesMap[ScopeProject]: what a project robot may be given. */
const PROJECT_POLICIES = new Set(
    Object.entries({
        log: ["list"],
        project: ["read", "delete", "update"],
        metadata: ["read", "create", "delete", "list", "update"],
        repository: ["read", "update", "delete", "list", "pull", "push"],
        artifact: ["read", "create", "list", "delete"],
        scan: ["create", "read", "stop"],
        sbom: ["create", "stop", "read"],
        tag: ["create", "list", "delete"],
        accessory: ["list"],
        "artifact-addition": ["read"],
        "artifact-label": ["create", "delete"],
        scanner: ["create", "read"],
        "preheat-policy": ["read", "create", "delete", "list", "update"],
        "immutable-tag": ["create", "delete", "list", "update"],
        "notification-policy": ["read", "create", "delete", "list", "update"],
        "tag-retention": ["read", "create", "delete", "list", "update"],
        label: ["read", "create", "delete", "list", "update"],
        quota: ["read"],
    }).flatMap(([resource, actions]) => actions.map((action) => `${resource}:${action}`)),
);

/** robotAPI.validate, in its order. */
function validate(duration: number, level: unknown, permissions: Permissions | undefined): void {
    const bad = (message: string): HttpError => new HttpError(400, "BAD_REQUEST", message);
    if (!(duration === -1 || (duration > 0 && duration < 2147483647))) {
        throw bad(
            `bad request error duration input: ${duration}, duration must be either -1(Never) ` +
                "or a positive integer",
        );
    }
    if (level !== "system" && level !== "project") {
        throw bad(`bad request error level input: ${typeof level === "string" ? level : ""}`);
    }
    if (level === "system") {
        throw new Error("the fake Harbor does not model system-level robots");
    }
    if (permissions === undefined || permissions.length === 0) {
        throw bad("bad request empty permission");
    }
    if (permissions.some((perm) => (perm.access ?? []).length === 0)) {
        throw bad("bad request empty access");
    }
    if (permissions.length > 1) {
        throw bad("bad request permission");
    }
    for (const perm of permissions) {
        if (perm.kind !== "project") {
            if (perm.kind === "system") {
                throw new Error("the fake Harbor does not model system-kind permissions");
            }
            throw bad(`bad request permission level: ${perm.kind}`);
        }
        for (const acc of perm.access) {
            if (!PROJECT_POLICIES.has(`${acc.resource}:${acc.action}`)) {
                throw bad(`bad request permission: ${acc.resource}:${acc.action}`);
            }
        }
    }
}

/** project manager Get by name: 400 for a name with a space, else 404 when there is none. */
function projectByName(harbor: FakeState, name: string): FakeProject {
    if (name.includes(" ")) {
        throw new HttpError(400, "BAD_REQUEST", `invalid project name: '${name}'`);
    }
    const project = harbor.projects.get(name);
    if (project === undefined) {
        throw new HttpError(404, "NOT_FOUND", `project ${name} not found`);
    }
    return project;
}

/** updateV2Robot: name, level and project are fixed; expiry counts from the creation time. */
function updateRobot(harbor: FakeState, robot: FakeRobot, input: Record<string, unknown>): void {
    const duration = input.duration === undefined ? robot.duration : Number(input.duration);
    const permissions = input.permissions as Permissions | undefined;
    validate(duration, input.level, permissions);
    const project = projectByName(harbor, permissions![0]!.namespace);
    if (harbor.projects.get(robot.permissions[0]!.namespace)?.project_id !== project.project_id) {
        throw new HttpError(400, "BAD_REQUEST", "cannot update the project id of robot");
    }
    if (input.level !== robot.level || input.name !== robot.name) {
        throw new HttpError(400, "BAD_REQUEST", "cannot update the level or name of robot");
    }
    if (duration !== robot.duration) {
        robot.duration = duration;
        robot.expires_at = duration === -1 ? -1 : CREATED + duration * 86400;
    }
    robot.description = typeof input.description === "string" ? input.description : "";
    robot.disable = input.disable === true;
    robot.permissions = permissions!;
}

/**
 * ListRobot: `q=Level=project,ProjectID=<id>` lists a project's robots; no Level, or
 * Level=system, lists the system robots (ProjectID 0), of which the fake has none.
 */
function listRobots(harbor: FakeState, path: string, query: URLSearchParams, reply: Reply): void {
    const filters = new Map<string, string>();
    for (const term of (query.get("q") ?? "").split(",").filter(Boolean)) {
        const [key, value] = term.split("=");
        if (key !== undefined && value !== undefined) {
            filters.set(key, value);
        }
    }
    const level = filters.get("Level") ?? "system";
    if (level !== "system" && level !== "project") {
        throw new HttpError(400, "BAD_REQUEST", "bad request error level input");
    }
    let projectId = 0;
    if (level === "project") {
        const raw = filters.get("ProjectID");
        if (raw === undefined) {
            throw new HttpError(
                400,
                "BAD_REQUEST",
                "must with project ID when to query project robots",
            );
        }
        projectId = /^[+-]?[0-9]+$/.test(raw) ? Number(raw) : 0;
        if (projectId <= 0) {
            throw new HttpError(400, "BAD_REQUEST", "ProjectID must be a positive integer");
        }
    }
    const items = [...harbor.robots.values()]
        .filter((r) => {
            const ns = r.permissions[0]?.namespace;
            return ns !== undefined && harbor.projects.get(ns)?.project_id === projectId;
        })
        .map(withoutSecret);
    reply.sendPage(path, query, items);
}

function createRobot(harbor: FakeState, input: Record<string, unknown>, reply: Reply): void {
    const name = typeof input.name === "string" ? input.name : "";
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) {
        throw new HttpError(
            400,
            "BAD_REQUEST",
            "robot name is not in lower case or contains illegal characters",
        );
    }
    const duration = Number(input.duration ?? 0);
    const permissions = input.permissions as Permissions | undefined;
    validate(duration, input.level, permissions);
    const project = projectByName(harbor, permissions![0]!.namespace);
    const stored = `${project.name}+${name}`;
    const fullName = `${harbor.robotPrefix}${stored}`;
    if ([...harbor.robots.values()].some((r) => r.name === fullName)) {
        // dao.Create: orm.WrapConflictError on the unique (name, project_id) key.
        throw new HttpError(
            409,
            "CONFLICT",
            `robot account ${project.project_id}:${stored} already exists`,
        );
    }
    const id = harbor.allocateId();
    const robot: FakeRobot = {
        id,
        name: fullName,
        description: typeof input.description === "string" ? input.description : "",
        secret: harbor.newSecret(),
        level: "project",
        duration,
        // CreateRobot copies name, description and duration only: a new robot is enabled.
        disable: false,
        editable: true,
        expires_at: duration === -1 ? -1 : CREATED + duration * 86400,
        creation_time: NOW,
        permissions: permissions!,
    };
    harbor.robots.set(id, robot);
    reply.send(
        201,
        {
            id,
            name: fullName,
            secret: robot.secret,
            creation_time: NOW,
            expires_at: robot.expires_at,
        },
        { Location: `${PREFIX}/robots/${id}` },
    );
}
