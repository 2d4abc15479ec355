// Project robot accounts (robot v2 API): goharbor/harbor v2.15.1 src/server/v2.0/handler/robot.go.
import type { FakeRobot, FakeState, RouteRequest } from "./state";
import { HttpError, NOW, PREFIX, type Reply } from "./wire";

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
    const robot = harbor.robots.get(Number(a));
    if (robot === undefined) {
        throw new HttpError(404, "NOT_FOUND", `robot ${a} not found`);
    }
    if (method === "GET") {
        reply.send(200, withoutSecret(robot));
        return true;
    }
    if (method === "PUT") {
        if (input.name !== robot.name) {
            throw new HttpError(400, "BAD_REQUEST", "cannot update the robot name");
        }
        if (input.level !== robot.level) {
            throw new HttpError(400, "BAD_REQUEST", "cannot update the robot level");
        }
        robot.description = typeof input.description === "string" ? input.description : "";
        robot.disable = input.disable === true;
        robot.duration = Number(input.duration ?? robot.duration);
        robot.expires_at = robot.duration === -1 ? -1 : 1735689600 + robot.duration * 86400;
        robot.permissions = input.permissions as FakeRobot["permissions"];
        reply.send(200);
        return true;
    }
    if (method === "PATCH") {
        const requested = typeof input.secret === "string" ? input.secret : "";
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

function listRobots(harbor: FakeState, path: string, query: URLSearchParams, reply: Reply): void {
    const filters = new Map<string, string>();
    for (const term of (query.get("q") ?? "").split(",").filter(Boolean)) {
        const [key, value] = term.split("=");
        if (key !== undefined && value !== undefined) {
            filters.set(key, value);
        }
    }
    const items = [...harbor.robots.values()]
        .filter((r) => !filters.has("Level") || r.level === filters.get("Level"))
        .filter((r) => {
            const projectId = filters.get("ProjectID");
            if (projectId === undefined) {
                return true;
            }
            const ns = r.permissions[0]?.namespace;
            return ns !== undefined && String(harbor.projects.get(ns)?.project_id) === projectId;
        })
        .map(withoutSecret);
    reply.sendPage(path, query, items);
}

function createRobot(harbor: FakeState, input: Record<string, unknown>, reply: Reply): void {
    const name = input.name;
    const permissions = input.permissions as FakeRobot["permissions"] | undefined;
    if (typeof name !== "string" || name === "") {
        throw new HttpError(400, "BAD_REQUEST", "robot name is required");
    }
    if (input.level !== "project") {
        throw new HttpError(400, "BAD_REQUEST", "only project level robots are supported");
    }
    const duration = Number(input.duration);
    if (duration === 0 || duration < -1) {
        throw new HttpError(400, "BAD_REQUEST", "duration must be -1 or a positive integer");
    }
    const namespace = permissions?.[0]?.namespace;
    if (permissions?.length !== 1 || namespace === undefined) {
        throw new HttpError(400, "BAD_REQUEST", "exactly one project permission is required");
    }
    if (!harbor.projects.has(namespace)) {
        throw new HttpError(404, "NOT_FOUND", `project ${namespace} not found`);
    }
    const fullName = `${harbor.robotPrefix}${namespace}+${name}`;
    if ([...harbor.robots.values()].some((r) => r.name === fullName)) {
        throw new HttpError(409, "CONFLICT", `robot account ${fullName} already exists`);
    }
    const id = harbor.allocateId();
    const robot: FakeRobot = {
        id,
        name: fullName,
        description: typeof input.description === "string" ? input.description : "",
        secret: harbor.newSecret(),
        level: "project",
        duration,
        disable: input.disable === true,
        editable: true,
        expires_at: duration === -1 ? -1 : 1735689600 + duration * 86400,
        creation_time: NOW,
        permissions,
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
