// Projects (+ metadata) and their storage quotas, answering as goharbor/harbor v2.15.1 does:
// src/server/v2.0/handler/project.go (CreateProject, validateProjectReq, UpdateProject,
// DeleteProject, deletable), project_metadata.go and quota.go (UpdateQuota), with the texts of
// src/pkg/project/manager.go (Create, Get), src/pkg/project/dao/dao.go, src/pkg/quota/dao/dao.go,
// src/controller/quota/driver/project/project.go (Validate), src/lib/quota_storage_limit.go and
// src/lib/errors/const.go (PreconditionFailedError, BadRequestError: "<kind>: <cause>").
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
    if (!isName && /^[0-9]+$/.test(decoded)) {
        const id = Number(decoded);
        const byId = [...harbor.projects.values()].find((p) => p.project_id === id);
        if (byId === undefined) {
            throw new HttpError(404, "NOT_FOUND", `project ${id} not found`);
        }
        return byId;
    }
    if (decoded.includes(" ")) {
        throw new HttpError(400, "BAD_REQUEST", `invalid project name: '${decoded}'`);
    }
    const byName = harbor.projects.get(decoded);
    if (byName === undefined) {
        throw new HttpError(404, "NOT_FOUND", `project ${decoded} not found`);
    }
    return byName;
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
            const name = typeof input.project_name === "string" ? input.project_name : "";
            validateNewProject(input);
            if (name === "" || name.length > 255) {
                throw new HttpError(
                    400,
                    "BAD_REQUEST",
                    `Project name ${name} is illegal in length. (greater than 255 or less than 1)`,
                );
            }
            if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) {
                throw new HttpError(
                    400,
                    "BAD_REQUEST",
                    "project name is not in lower case or contains illegal characters",
                );
            }
            if (harbor.projects.has(name)) {
                throw new HttpError(409, "CONFLICT", `The project named ${name} already exists`);
            }
            const project = harbor.seedProject(name);
            const metadata = (input.metadata ?? {}) as Record<string, string>;
            project.metadata = { ...project.metadata, ...metadata };
            if (typeof input.public === "boolean" && metadata.public === undefined) {
                project.metadata.public = String(input.public);
            }
            const quota = [...harbor.quotas.values()].find((q) => q.ref.id === project.project_id);
            if (quota && typeof input.storage_limit === "number" && input.storage_limit !== 0) {
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
            const rid = metadata.retention_id;
            if (rid !== undefined && rid !== project.metadata.retention_id) {
                throw new HttpError(
                    400,
                    "BAD_REQUEST",
                    "the retention_id in the request's payload when updating a project should be " +
                        "omitted, alternatively passing the one that has already been associated " +
                        "to this project",
                );
            }
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
            "precondition failed: the project contains repositories, can not be deleted",
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
        const hard = (input.hard ?? {}) as Record<string, unknown>;
        if (Object.keys(hard).length === 0) {
            throw new HttpError(400, "BAD_REQUEST", "hard required in body");
        }
        const quota = harbor.quotas.get(Number(a));
        if (quota === undefined) {
            throw new HttpError(404, "NOT_FOUND", `quota ${Number(a)} not found`);
        }
        const invalid = Object.entries(hard)
            .map(([resource, value]) =>
                resource !== "storage"
                    ? `resource ${resource} not support`
                    : storageLimitError(Number(value)),
            )
            .find((message) => message !== undefined);
        const message = invalid ?? (hard.storage === undefined ? "resource storage not found" : "");
        if (message !== "") {
            throw new HttpError(400, "BAD_REQUEST", message);
        }
        quota.hard.storage = Number(hard.storage);
        reply.send(200);
        return true;
    }
    return false;
}

/** lib.ValidateQuotaLimit: -1 (unlimited) or 1..1024 TiB. */
function storageLimitError(limit: number): string | undefined {
    if (limit <= 0 && limit !== -1) {
        return `invalid non-positive value for quota limit, value=${limit}`;
    }
    if (limit > 1125899906842624) {
        return `exceeded 1024TB, which is 1125899906842624 Bytes, value=${limit}`;
    }
    return undefined;
}

/** CreateProject's checks of metadata.public and validateProjectReq's of storage_limit. */
function validateNewProject(input: Record<string, unknown>): void {
    const metadata = (input.metadata ?? {}) as Record<string, string | undefined>;
    const pub = metadata.public;
    if (pub !== undefined && pub !== "" && pub !== "true" && pub !== "false") {
        throw new HttpError(
            400,
            "BAD_REQUEST",
            `metadata.public should only be 'true' or 'false', but got: '${pub}'`,
        );
    }
    const limit = input.storage_limit;
    if (typeof limit === "number" && limit !== 0) {
        const error = storageLimitError(limit);
        if (error !== undefined) {
            throw new HttpError(400, "BAD_REQUEST", `bad request: ${error}`);
        }
    }
}
