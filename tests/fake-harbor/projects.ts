// Projects (+ metadata) and their storage quotas: goharbor/harbor v2.15.1
// src/server/v2.0/handler/project.go, project_metadata.go and quota.go.
import type * as http from "node:http";
import type { FakeProject, FakeState, RouteRequest } from "./state";
import { HttpError, PREFIX, type Reply } from "./wire";

/** A project by name (X-Is-Resource-Name: true) or by numeric id; 404 when there is none. */
export function findProject(
    harbor: FakeState,
    nameOrId: string,
    headers: http.IncomingHttpHeaders,
): FakeProject {
    const isName = headers["x-is-resource-name"] === "true";
    const decoded = decodeURIComponent(nameOrId);
    let project: FakeProject | undefined;
    if (!isName && /^[0-9]+$/.test(decoded)) {
        project = [...harbor.projects.values()].find((p) => p.project_id === Number(decoded));
    } else {
        project = harbor.projects.get(decoded);
    }
    if (project === undefined) {
        throw new HttpError(404, "NOT_FOUND", `project ${decoded} not found`);
    }
    return project;
}

/** /projects, /projects/{name_or_id} and /projects/{name_or_id}/metadatas/{key}. */
export function routeProjects(harbor: FakeState, req: RouteRequest, reply: Reply): boolean {
    const { method, path, parts, query, input, headers } = req;
    const [, a, b] = parts;
    if (a === undefined) {
        if (method === "GET") {
            const name = query.get("name");
            const items = [...harbor.projects.values()].filter(
                (p) => name === null || p.name.includes(name),
            );
            reply.sendPage(path, query, items);
            return true;
        }
        if (method === "POST") {
            const name = input.project_name;
            if (typeof name !== "string" || !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) {
                throw new HttpError(400, "BAD_REQUEST", "invalid project name");
            }
            if (harbor.projects.has(name)) {
                throw new HttpError(409, "CONFLICT", `The project named ${name} already exists`);
            }
            const project = harbor.seedProject(name);
            const metadata = (input.metadata ?? {}) as Record<string, string>;
            project.metadata = { ...project.metadata, ...metadata };
            if (typeof input.public === "boolean") {
                project.metadata.public = String(input.public);
            }
            const quota = [...harbor.quotas.values()].find((q) => q.ref.id === project.project_id);
            if (quota && typeof input.storage_limit === "number") {
                quota.hard.storage = input.storage_limit;
            }
            reply.send(201, undefined, {
                Location: `${PREFIX}/projects/${project.project_id}`,
            });
            return true;
        }
        return false;
    }
    if (b === undefined) {
        const project = findProject(harbor, a, headers);
        if (method === "GET") {
            reply.send(200, { ...project, owner_name: "admin", owner_id: 1 });
            return true;
        }
        if (method === "PUT") {
            const metadata = (input.metadata ?? {}) as Record<string, string>;
            project.metadata = { ...project.metadata, ...metadata };
            reply.send(200);
            return true;
        }
        if (method === "DELETE") {
            deleteProject(harbor, project);
            reply.send(200);
            return true;
        }
        return false;
    }
    if (b === "metadatas" && parts[3] !== undefined) {
        // handler/project_metadata.go DeleteProjectMetadata: any key, 200 even when absent.
        const project = findProject(harbor, a, headers);
        if (method === "DELETE") {
            const key = decodeURIComponent(parts[3]);
            project.metadata = Object.fromEntries(
                Object.entries(project.metadata).filter(([k]) => k !== key),
            );
            reply.send(200);
            return true;
        }
    }
    return false;
}

function deleteProject(harbor: FakeState, project: FakeProject): void {
    if (project.repo_count > 0) {
        throw new HttpError(
            412,
            "PRECONDITION",
            `the project contains repositories, can not be deleted`,
        );
    }
    harbor.projects.delete(project.name);
    for (const [id, quota] of harbor.quotas) {
        if (quota.ref.id === project.project_id) {
            harbor.quotas.delete(id);
        }
    }
    // handler/project.go DeleteProject: robotMgr.DeleteByProjectID removes the
    // project's robots; the project-deletion event handler
    // (controller/event/handler/internal/project.go) deletes its retention policies
    // (retention.Ctl.DeleteRetentionByProject: those whose scope is the project).
    for (const [id, robot] of harbor.robots) {
        if (robot.permissions[0]?.namespace === project.name) {
            harbor.robots.delete(id);
        }
    }
    for (const [id, policy] of harbor.retentions) {
        const scope = policy.scope as { ref?: number } | undefined;
        if (scope?.ref === project.project_id) {
            harbor.retentions.delete(id);
        }
    }
}

/** GET /quotas (filtered by reference_id) and PUT /quotas/{id}. */
export function routeQuotas(harbor: FakeState, req: RouteRequest, reply: Reply): boolean {
    const { method, path, parts, query, input } = req;
    const a = parts[1];
    if (a === undefined && method === "GET") {
        const refId = query.get("reference_id");
        const items = [...harbor.quotas.values()].filter(
            (q) => refId === null || String(q.ref.id) === refId,
        );
        reply.sendPage(path, query, items);
        return true;
    }
    if (a !== undefined && method === "PUT") {
        const quota = harbor.quotas.get(Number(a));
        if (quota === undefined) {
            throw new HttpError(404, "NOT_FOUND", `quota ${a} not found`);
        }
        const hard = (input.hard ?? {}) as Record<string, unknown>;
        if (typeof hard.storage !== "number") {
            throw new HttpError(400, "BAD_REQUEST", "hard.storage is required");
        }
        quota.hard.storage = hard.storage;
        reply.send(200);
        return true;
    }
    return false;
}
