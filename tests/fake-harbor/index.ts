// In-memory fake of the parts of Harbor 2.15.1's REST API v2.0 used by components/harbor-api:
// projects (+ metadata), quotas, robot accounts (v2), the GC schedule and tag retention.
// Status codes, bodies, Location headers, X-Total-Count/Link pagination and the
// `{"errors":[{"code","message"}]}` error shape follow Harbor's swagger, and where the swagger and
// the server differ, the server: goharbor/harbor v2.15.1 src/server/v2.0/handler/*.go (cited in
// each handler family's module: ./projects.ts, ./robots.ts, ./gc.ts, ./retentions.ts, and ping
// below) and src/lib/http/error.go (see ./wire.ts).
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { routeGcSchedule } from "./gc";
import { routeProjects, routeQuotas } from "./projects";
import { routeRetentions } from "./retentions";
import { routeRobots } from "./robots";
import type {
    FakeGcSchedule,
    FakeProject,
    FakeQuota,
    FakeRobot,
    FakeState,
    LoggedRequest,
    RouteRequest,
} from "./state";
import { HttpError, NOW, PREFIX, Reply } from "./wire";

export type { FakeGcSchedule, FakeProject, FakeQuota, FakeRobot, LoggedRequest } from "./state";

interface Fault {
    status: number;
    remaining: number;
    method?: string;
    path?: RegExp;
}

export class FakeHarbor implements FakeState {
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
        const id = this.allocateId();
        const project: FakeProject = {
            project_id: id,
            name,
            metadata: { public: "false", ...metadata },
            repo_count: 0,
            creation_time: NOW,
        };
        this.projects.set(name, project);
        const quotaId = this.allocateId();
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
        const id = this.allocateId();
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

    allocateId(): number {
        return this.nextId++;
    }

    newSecret(): string {
        this.secretCounter++;
        return `Secret${this.secretCounter}x${Math.random().toString(36).slice(2, 10)}`;
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const reply = new Reply(res, () => this.requests.length);
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
                reply.sendError(400, "BAD_REQUEST", "invalid JSON body");
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
                // A failing Harbor: SendError answers any 5xx as UNKNOWN "internal server error".
                reply.sendError(fault.status, "UNKNOWN", "internal server error");
                return;
            }
            if (path === "/ping" && method === "GET") {
                // handler/ping.go: 200 "Pong" (text/plain in the swagger), no authentication.
                reply.sendText(200, "Pong");
                return;
            }
            const basic = (user: string, password: string): string =>
                "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
            const nonAdmin =
                req.headers.authorization === basic(this.nonAdmin.username, this.nonAdmin.password);
            if (req.headers.authorization !== basic(this.username, this.password) && !nonAdmin) {
                reply.sendError(401, "UNAUTHORIZED", "unauthorized");
                return;
            }
            if (nonAdmin && method !== "GET") {
                reply.sendError(403, "FORBIDDEN", "forbidden");
                return;
            }
            if (!url.pathname.startsWith(PREFIX + "/")) {
                reply.sendError(404, "NOT_FOUND", `no route for ${url.pathname}`);
                return;
            }
            const route: RouteRequest = {
                method,
                path,
                parts: path.split("/").filter(Boolean),
                query: url.searchParams,
                input: (body ?? {}) as Record<string, unknown>,
                headers: req.headers,
            };
            try {
                this.route(route, reply);
            } catch (err) {
                if (err instanceof HttpError) {
                    reply.sendError(err.status, err.code, err.message);
                } else {
                    reply.sendError(500, "UNKNOWN", String(err));
                }
            }
        });
    }

    /** Hands the request to its handler family; 405 when none answers it. */
    private route(req: RouteRequest, reply: Reply): void {
        const [root, a, b] = req.parts;
        if (root === "projects" && routeProjects(this, req, reply)) {
            return;
        }
        if (root === "quotas" && routeQuotas(this, req, reply)) {
            return;
        }
        if (root === "robots" && routeRobots(this, req, reply)) {
            return;
        }
        if (root === "system" && a === "gc" && b === "schedule") {
            routeGcSchedule(this, req, reply);
            return;
        }
        if (root === "retentions") {
            routeRetentions(this, req, reply);
            return;
        }
        throw new HttpError(
            405,
            "METHOD_NOT_ALLOWED",
            `${req.method} ${req.path} is not supported`,
        );
    }
}
