// In-memory fake of the parts of Harbor 2.12's REST API v2.0 used by components/harbor-api:
// projects (+ metadata), quotas, robot accounts (v2), the GC schedule and tag retention.
// Status codes, bodies, Location headers, X-Total-Count/Link pagination and the
// `{"errors":[{"code","message"}]}` error shape follow Harbor's swagger, and where the swagger and
// the server differ, the server: goharbor/harbor v2.12.4 src/server/v2.0/handler/*.go (cited at each
// route) and src/lib/http/error.go (any error without a mapped code is a 500 whose message is
// replaced by "internal server error"; errors.BadRequestError prefixes "bad request: ").
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface FakeProject {
    project_id: number;
    name: string;
    metadata: Record<string, string>;
    repo_count: number;
    creation_time: string;
}

export interface FakeQuota {
    id: number;
    ref: { id: number; name: string; owner_name: string };
    hard: { storage: number };
    used: { storage: number };
}

export interface FakeRobot {
    id: number;
    name: string;
    description: string;
    secret: string;
    level: string;
    duration: number;
    disable: boolean;
    editable: boolean;
    expires_at: number;
    creation_time: string;
    permissions: {
        kind: string;
        namespace: string;
        access: { resource: string; action: string }[];
    }[];
}

export interface FakeGcSchedule {
    type: string;
    cron: string;
    parameters: Record<string, unknown>;
}

interface Fault {
    status: number;
    remaining: number;
    method?: string;
    path?: RegExp;
}

export interface LoggedRequest {
    method: string;
    path: string;
    query: URLSearchParams;
    body: unknown;
}

const PREFIX = "/api/v2.0";

/** Harbor never returns a robot's secret except on creation and refresh. */
function withoutSecret(robot: FakeRobot): Omit<FakeRobot, "secret"> {
    const copy: Partial<FakeRobot> = { ...robot };
    delete copy.secret;
    return copy as Omit<FakeRobot, "secret">;
}
const NOW = "2025-01-01T00:00:00.000Z";

class HttpError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}

export class FakeHarbor {
    readonly username = "admin";
    password = "Harbor12345";
    /** A valid user without admin rights: Harbor answers its writes with 403 Forbidden. */
    readonly nonAdmin = { username: "developer", password: "Developer123" };
    robotPrefix = "robot$";

    readonly projects = new Map<string, FakeProject>();
    readonly quotas = new Map<number, FakeQuota>();
    readonly robots = new Map<number, FakeRobot>();
    readonly retentions = new Map<number, Record<string, unknown>>();
    gcSchedule: FakeGcSchedule | undefined;
    readonly requests: LoggedRequest[] = [];

    private readonly faults: Fault[] = [];
    private nextId = 1;
    private secretCounter = 0;
    private server: http.Server | undefined;
    private port = 0;

    /** Base API URL, e.g. http://127.0.0.1:12345/api/v2.0 */
    get apiUrl(): string {
        return `http://127.0.0.1:${this.port}${PREFIX}`;
    }

    async start(): Promise<void> {
        const server = http.createServer((req, res) => {
            this.handle(req, res);
        });
        this.server = server;
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        this.port = (server.address() as AddressInfo).port;
    }

    async stop(): Promise<void> {
        const server = this.server;
        if (server === undefined) {
            return;
        }
        server.closeAllConnections();
        await new Promise<void>((resolve, reject) => {
            server.close((err) => {
                if (err) {
                    reject(err);
                } else {
                    resolve();
                }
            });
        });
        this.server = undefined;
    }

    /** Clears state, faults and the request log between tests. */
    reset(): void {
        this.projects.clear();
        this.quotas.clear();
        this.robots.clear();
        this.retentions.clear();
        this.gcSchedule = undefined;
        this.requests.length = 0;
        this.faults.length = 0;
        this.password = "Harbor12345";
        this.nextId = 1;
    }

    /** Answers the next `times` matching requests with `status` (Infinity = forever). */
    failNext(status: number, times: number, match: { method?: string; path?: RegExp } = {}): void {
        this.faults.push({ status, remaining: times, ...match });
    }

    /** Counts logged requests matching method and path. */
    count(method: string, path: RegExp): number {
        return this.requests.filter((r) => r.method === method && path.test(r.path)).length;
    }

    /** Adds a project as if created in the Harbor UI. */
    seedProject(name: string, metadata: Record<string, string> = {}): FakeProject {
        const id = this.nextId++;
        const project: FakeProject = {
            project_id: id,
            name,
            metadata: { public: "false", ...metadata },
            repo_count: 0,
            creation_time: NOW,
        };
        this.projects.set(name, project);
        const quotaId = this.nextId++;
        this.quotas.set(quotaId, {
            id: quotaId,
            ref: { id, name, owner_name: "admin" },
            hard: { storage: -1 },
            used: { storage: 0 },
        });
        return project;
    }

    /** Adds a project robot as if created in the Harbor UI. */
    seedRobot(project: string, name: string): FakeRobot {
        const id = this.nextId++;
        const robot: FakeRobot = {
            id,
            name: `${this.robotPrefix}${project}+${name}`,
            description: "",
            secret: this.newSecret(),
            level: "project",
            duration: -1,
            disable: false,
            editable: true,
            expires_at: -1,
            creation_time: NOW,
            permissions: [
                {
                    kind: "project",
                    namespace: project,
                    access: [{ resource: "repository", action: "pull" }],
                },
            ],
        };
        this.robots.set(id, robot);
        return robot;
    }

    private newSecret(): string {
        this.secretCounter++;
        return `Secret${this.secretCounter}x${Math.random().toString(36).slice(2, 10)}`;
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://127.0.0.1");
            const method = req.method ?? "GET";
            const raw = Buffer.concat(chunks).toString("utf8");
            let body: unknown = undefined;
            try {
                body = raw === "" ? undefined : JSON.parse(raw);
            } catch {
                this.sendError(res, 400, "BAD_REQUEST", "invalid JSON body");
                return;
            }
            const path = url.pathname.startsWith(PREFIX)
                ? url.pathname.slice(PREFIX.length)
                : url.pathname;
            this.requests.push({ method, path, query: url.searchParams, body });

            const fault = this.faults.find(
                (f) =>
                    f.remaining > 0 &&
                    (f.method === undefined || f.method === method) &&
                    (f.path === undefined || f.path.test(path)),
            );
            if (fault !== undefined) {
                fault.remaining--;
                this.sendError(res, fault.status, "INTERNAL_SERVER_ERROR", "injected failure");
                return;
            }
            if (path === "/ping" && method === "GET") {
                // handler/ping.go: 200 "Pong", no authentication.
                this.send(res, 200, "Pong");
                return;
            }
            const basic = (user: string, password: string): string =>
                "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
            const nonAdmin =
                req.headers.authorization === basic(this.nonAdmin.username, this.nonAdmin.password);
            if (req.headers.authorization !== basic(this.username, this.password) && !nonAdmin) {
                this.sendError(res, 401, "UNAUTHORIZED", "unauthorized");
                return;
            }
            if (nonAdmin && method !== "GET") {
                this.sendError(res, 403, "FORBIDDEN", "forbidden");
                return;
            }
            if (!url.pathname.startsWith(PREFIX + "/")) {
                this.sendError(res, 404, "NOT_FOUND", `no route for ${url.pathname}`);
                return;
            }
            try {
                this.route(method, path, url.searchParams, body, req.headers, res);
            } catch (err) {
                if (err instanceof HttpError) {
                    this.sendError(res, err.status, err.code, err.message);
                } else {
                    this.sendError(res, 500, "UNKNOWN", String(err));
                }
            }
        });
    }

    private sendError(res: http.ServerResponse, status: number, code: string, message: string) {
        this.send(res, status, { errors: [{ code, message }] });
    }

    private send(
        res: http.ServerResponse,
        status: number,
        body?: unknown,
        headers: Record<string, string> = {},
    ): void {
        const text = body === undefined ? "" : JSON.stringify(body);
        res.writeHead(status, {
            ...(text === "" ? {} : { "Content-Type": "application/json" }),
            "X-Request-Id": `req-${this.requests.length}`,
            ...headers,
        });
        res.end(text);
    }

    private sendPage(
        res: http.ServerResponse,
        path: string,
        query: URLSearchParams,
        items: unknown[],
    ): void {
        const page = Math.max(1, Number(query.get("page") ?? "1"));
        const pageSize = Math.min(100, Math.max(1, Number(query.get("page_size") ?? "10")));
        const slice = items.slice((page - 1) * pageSize, page * pageSize);
        const links: string[] = [];
        const base = (p: number): string => {
            const q = new URLSearchParams(query);
            q.set("page", String(p));
            q.set("page_size", String(pageSize));
            return `<${PREFIX}${path}?${q.toString()}>`;
        };
        if (page > 1) {
            links.push(`${base(page - 1)}; rel="prev"`);
        }
        if (page * pageSize < items.length) {
            links.push(`${base(page + 1)}; rel="next"`);
        }
        this.send(res, 200, slice, {
            "X-Total-Count": String(items.length),
            ...(links.length > 0 ? { Link: links.join(" , ") } : {}),
        });
    }

    private project(nameOrId: string, headers: http.IncomingHttpHeaders): FakeProject {
        const isName = headers["x-is-resource-name"] === "true";
        const decoded = decodeURIComponent(nameOrId);
        let project: FakeProject | undefined;
        if (!isName && /^[0-9]+$/.test(decoded)) {
            project = [...this.projects.values()].find((p) => p.project_id === Number(decoded));
        } else {
            project = this.projects.get(decoded);
        }
        if (project === undefined) {
            throw new HttpError(404, "NOT_FOUND", `project ${decoded} not found`);
        }
        return project;
    }

    private route(
        method: string,
        path: string,
        query: URLSearchParams,
        body: unknown,
        headers: http.IncomingHttpHeaders,
        res: http.ServerResponse,
    ): void {
        const parts = path.split("/").filter(Boolean);
        const [root, a, b] = parts;
        const input = (body ?? {}) as Record<string, unknown>;

        if (root === "projects" && a === undefined) {
            if (method === "GET") {
                const name = query.get("name");
                const items = [...this.projects.values()].filter(
                    (p) => name === null || p.name.includes(name),
                );
                this.sendPage(res, path, query, items);
                return;
            }
            if (method === "POST") {
                const name = input.project_name;
                if (typeof name !== "string" || !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) {
                    throw new HttpError(400, "BAD_REQUEST", "invalid project name");
                }
                if (this.projects.has(name)) {
                    throw new HttpError(
                        409,
                        "CONFLICT",
                        `The project named ${name} already exists`,
                    );
                }
                const project = this.seedProject(name);
                const metadata = (input.metadata ?? {}) as Record<string, string>;
                project.metadata = { ...project.metadata, ...metadata };
                if (typeof input.public === "boolean") {
                    project.metadata.public = String(input.public);
                }
                const quota = [...this.quotas.values()].find(
                    (q) => q.ref.id === project.project_id,
                );
                if (quota && typeof input.storage_limit === "number") {
                    quota.hard.storage = input.storage_limit;
                }
                this.send(res, 201, undefined, {
                    Location: `${PREFIX}/projects/${project.project_id}`,
                });
                return;
            }
        }
        if (root === "projects" && a !== undefined && b === undefined) {
            const project = this.project(a, headers);
            if (method === "GET") {
                this.send(res, 200, { ...project, owner_name: "admin", owner_id: 1 });
                return;
            }
            if (method === "PUT") {
                const metadata = (input.metadata ?? {}) as Record<string, string>;
                project.metadata = { ...project.metadata, ...metadata };
                this.send(res, 200);
                return;
            }
            if (method === "DELETE") {
                if (project.repo_count > 0) {
                    throw new HttpError(
                        412,
                        "PRECONDITION",
                        `the project contains repositories, can not be deleted`,
                    );
                }
                this.projects.delete(project.name);
                for (const [id, quota] of this.quotas) {
                    if (quota.ref.id === project.project_id) {
                        this.quotas.delete(id);
                    }
                }
                // handler/project.go DeleteProject: robotMgr.DeleteByProjectID removes the
                // project's robots; the project-deletion event handler
                // (controller/event/handler/internal/project.go) deletes its retention policies
                // (retention.Ctl.DeleteRetentionByProject: those whose scope is the project).
                for (const [id, robot] of this.robots) {
                    if (robot.permissions[0]?.namespace === project.name) {
                        this.robots.delete(id);
                    }
                }
                for (const [id, policy] of this.retentions) {
                    const scope = policy.scope as { ref?: number } | undefined;
                    if (scope?.ref === project.project_id) {
                        this.retentions.delete(id);
                    }
                }
                this.send(res, 200);
                return;
            }
        }
        if (root === "projects" && a !== undefined && b === "metadatas" && parts[3] !== undefined) {
            // handler/project_metadata.go DeleteProjectMetadata: any key, 200 even when absent.
            const project = this.project(a, headers);
            if (method === "DELETE") {
                const key = decodeURIComponent(parts[3]);
                project.metadata = Object.fromEntries(
                    Object.entries(project.metadata).filter(([k]) => k !== key),
                );
                this.send(res, 200);
                return;
            }
        }
        if (root === "quotas" && a === undefined && method === "GET") {
            const refId = query.get("reference_id");
            const items = [...this.quotas.values()].filter(
                (q) => refId === null || String(q.ref.id) === refId,
            );
            this.sendPage(res, path, query, items);
            return;
        }
        if (root === "quotas" && a !== undefined && method === "PUT") {
            const quota = this.quotas.get(Number(a));
            if (quota === undefined) {
                throw new HttpError(404, "NOT_FOUND", `quota ${a} not found`);
            }
            const hard = (input.hard ?? {}) as Record<string, unknown>;
            if (typeof hard.storage !== "number") {
                throw new HttpError(400, "BAD_REQUEST", "hard.storage is required");
            }
            quota.hard.storage = hard.storage;
            this.send(res, 200);
            return;
        }
        if (root === "robots" && a === undefined) {
            if (method === "GET") {
                this.listRobots(res, path, query);
                return;
            }
            if (method === "POST") {
                this.createRobot(res, input);
                return;
            }
        }
        if (root === "robots" && a !== undefined && b === undefined) {
            const robot = this.robots.get(Number(a));
            if (robot === undefined) {
                throw new HttpError(404, "NOT_FOUND", `robot ${a} not found`);
            }
            if (method === "GET") {
                this.send(res, 200, withoutSecret(robot));
                return;
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
                this.send(res, 200);
                return;
            }
            if (method === "PATCH") {
                const requested = typeof input.secret === "string" ? input.secret : "";
                robot.secret = requested === "" ? this.newSecret() : requested;
                this.send(res, 200, { secret: requested === "" ? robot.secret : "" });
                return;
            }
            if (method === "DELETE") {
                this.robots.delete(robot.id);
                this.send(res, 200);
                return;
            }
        }
        if (root === "system" && a === "gc" && b === "schedule") {
            this.gc(method, input, res);
            return;
        }
        if (root === "retentions") {
            this.retention(method, a, b, path, query, input, res);
            return;
        }
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} ${path} is not supported`);
    }

    private listRobots(res: http.ServerResponse, path: string, query: URLSearchParams): void {
        const filters = new Map<string, string>();
        for (const term of (query.get("q") ?? "").split(",").filter(Boolean)) {
            const [key, value] = term.split("=");
            if (key !== undefined && value !== undefined) {
                filters.set(key, value);
            }
        }
        const items = [...this.robots.values()]
            .filter((r) => !filters.has("Level") || r.level === filters.get("Level"))
            .filter((r) => {
                const projectId = filters.get("ProjectID");
                if (projectId === undefined) {
                    return true;
                }
                const ns = r.permissions[0]?.namespace;
                return ns !== undefined && String(this.projects.get(ns)?.project_id) === projectId;
            })
            .map(withoutSecret);
        this.sendPage(res, path, query, items);
    }

    private createRobot(res: http.ServerResponse, input: Record<string, unknown>): void {
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
        if (!this.projects.has(namespace)) {
            throw new HttpError(404, "NOT_FOUND", `project ${namespace} not found`);
        }
        const fullName = `${this.robotPrefix}${namespace}+${name}`;
        if ([...this.robots.values()].some((r) => r.name === fullName)) {
            throw new HttpError(409, "CONFLICT", `robot account ${fullName} already exists`);
        }
        const id = this.nextId++;
        const robot: FakeRobot = {
            id,
            name: fullName,
            description: typeof input.description === "string" ? input.description : "",
            secret: this.newSecret(),
            level: "project",
            duration,
            disable: input.disable === true,
            editable: true,
            expires_at: duration === -1 ? -1 : 1735689600 + duration * 86400,
            creation_time: NOW,
            permissions,
        };
        this.robots.set(id, robot);
        this.send(
            res,
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

    /** handler/gc.go (v2.12.4): GetGCSchedule, CreateGCSchedule, UpdateGCSchedule → kick. */
    private gc(method: string, input: Record<string, unknown>, res: http.ServerResponse): void {
        if (method === "GET") {
            // No schedule: gcCtr.GetSchedule is NotFound and the handler answers
            // NewGetGCScheduleOK() without a payload, i.e. 200 with an empty body.
            const s = this.gcSchedule;
            this.send(
                res,
                200,
                s === undefined
                    ? undefined
                    : {
                          id: 1,
                          job_name: "GARBAGE_COLLECTION",
                          job_kind: "SCHEDULE",
                          job_parameters: JSON.stringify(s.parameters),
                          schedule: { type: s.type, cron: s.cron, next_scheduled_time: NOW },
                          creation_time: NOW,
                          update_time: NOW,
                      },
            );
            return;
        }
        const schedule = (input.schedule ?? {}) as { type?: string; cron?: string };
        const parameters = (input.parameters ?? {}) as Record<string, unknown>;
        if (method === "POST" || method === "PUT") {
            // POST and PUT both go through kick: "None" deletes the schedule, the cron types
            // delete and recreate it (updateSchedule), so a POST over an existing schedule
            // overwrites it; there is no conflict answer.
            if (schedule.type === "None") {
                this.gcSchedule = undefined;
            } else {
                if (schedule.type === undefined || schedule.cron === undefined) {
                    throw new HttpError(400, "BAD_REQUEST", "schedule type and cron are required");
                }
                if (schedule.cron.trim().split(/\s+/).length !== 6) {
                    throw new HttpError(
                        400,
                        "BAD_REQUEST",
                        `invalid cron string for scheduled gc: ${schedule.cron}`,
                    );
                }
                this.gcSchedule = { type: schedule.type, cron: schedule.cron, parameters };
            }
            if (method === "POST") {
                // The Location is /system/gc/{id}; id stays 0 unless the run is Manual.
                this.send(res, 201, undefined, { Location: `${PREFIX}/system/gc/0` });
            } else {
                this.send(res, 200);
            }
            return;
        }
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} gc schedule`);
    }

    /**
     * handler/retention.go (v2.12.4). A missing policy: src/pkg/retention/manager.go GetPolicy
     * returns a plain `no such Retention policy with id N`, which GetRetention passes on (500,
     * "internal server error") and DeleteRetention / ListRetentionExecutions wrap as
     * BadRequestError (400). CreateRetention refuses a project whose metadata has a retention_id,
     * and DeleteRetention leaves that metadata in place (removed on delete only from v2.14.0,
     * goharbor/harbor#22174). UpdateRetention checks the metadata first (requirePolicyAccess: 404).
     */
    private retention(
        method: string,
        id: string | undefined,
        sub: string | undefined,
        path: string,
        query: URLSearchParams,
        input: Record<string, unknown>,
        res: http.ServerResponse,
    ): void {
        if (id === undefined && method === "POST") {
            const scope = (input.scope ?? {}) as { level?: string; ref?: number };
            const project = [...this.projects.values()].find((p) => p.project_id === scope.ref);
            if (project === undefined) {
                throw new HttpError(
                    400,
                    "BAD_REQUEST",
                    `bad request: invalid Project id ${String(scope.ref)}`,
                );
            }
            if (project.metadata.retention_id !== undefined) {
                throw new HttpError(
                    400,
                    "BAD_REQUEST",
                    `bad request: project ${project.project_id} already has retention policy ${project.metadata.retention_id}`,
                );
            }
            const newId = this.nextId++;
            this.retentions.set(newId, { ...input, id: newId });
            project.metadata.retention_id = String(newId);
            this.send(res, 201, undefined, { Location: `${PREFIX}/retentions/${newId}` });
            return;
        }
        const policy = this.retentions.get(Number(id));
        const missing = `no such Retention policy with id ${String(id)}`;
        if (sub === "executions" && method === "GET") {
            if (policy === undefined) {
                throw new HttpError(400, "BAD_REQUEST", `bad request: ${missing}`);
            }
            this.sendPage(res, path, query, []);
            return;
        }
        if (sub !== undefined) {
            throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} ${path} is not supported`);
        }
        if (method === "GET") {
            if (policy === undefined) {
                throw new HttpError(500, "UNKNOWN", "internal server error");
            }
            this.send(res, 200, policy);
            return;
        }
        if (method === "PUT") {
            const scope = (input.scope ?? {}) as { ref?: number };
            const project = [...this.projects.values()].find((p) => p.project_id === scope.ref);
            if (project?.metadata.retention_id !== id) {
                throw new HttpError(
                    404,
                    "NOT_FOUND",
                    `resource not found: the retention policy id ${String(id)} does not match`,
                );
            }
            if (policy === undefined) {
                throw new HttpError(500, "UNKNOWN", "internal server error");
            }
            this.retentions.set(Number(id), { ...input, id: Number(id) });
            this.send(res, 200);
            return;
        }
        if (method === "DELETE") {
            if (policy === undefined) {
                throw new HttpError(400, "BAD_REQUEST", `bad request: ${missing}`);
            }
            this.retentions.delete(Number(id));
            this.send(res, 200);
            return;
        }
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} retention`);
    }
}
