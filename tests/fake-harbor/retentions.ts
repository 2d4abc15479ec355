// Tag-retention policies: goharbor/harbor v2.15.1 src/server/v2.0/handler/retention.go.
import type { FakeState, RouteRequest } from "./state";
import { HttpError, PREFIX, type Reply } from "./wire";

/**
 * handler/retention.go (v2.15.1; these paths unchanged since v2.12.4 but for the delete). A
 * missing policy: src/pkg/retention/manager.go GetPolicy returns a plain `no such Retention policy
 * with id N`, which GetRetention passes on (500, "internal server error") and DeleteRetention /
 * ListRetentionExecutions wrap as BadRequestError (400). CreateRetention refuses a project whose
 * metadata has a retention_id. DeleteRetention removes that metadata too (proMetaMgr.Delete of
 * "retention_id", since v2.14.0, goharbor/harbor#22174); a project an older Harbor left with a
 * stale retention_id keeps it (the specs set one up). UpdateRetention checks the metadata first
 * (requirePolicyAccess: 404).
 */
export function routeRetentions(harbor: FakeState, req: RouteRequest, reply: Reply): void {
    const { method, path, parts, query, input } = req;
    const [, id, sub] = parts;
    if (id === undefined && method === "POST") {
        const scope = (input.scope ?? {}) as { level?: string; ref?: number };
        const project = [...harbor.projects.values()].find((p) => p.project_id === scope.ref);
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
        const newId = harbor.allocateId();
        harbor.retentions.set(newId, { ...input, id: newId });
        project.metadata.retention_id = String(newId);
        reply.send(201, undefined, { Location: `${PREFIX}/retentions/${newId}` });
        return;
    }
    const policy = harbor.retentions.get(Number(id));
    const missing = `no such Retention policy with id ${String(id)}`;
    if (sub === "executions" && method === "GET") {
        if (policy === undefined) {
            throw new HttpError(400, "BAD_REQUEST", `bad request: ${missing}`);
        }
        reply.sendPage(path, query, []);
        return;
    }
    if (sub !== undefined) {
        throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} ${path} is not supported`);
    }
    if (method === "GET") {
        if (policy === undefined) {
            throw new HttpError(500, "UNKNOWN", "internal server error");
        }
        reply.send(200, policy);
        return;
    }
    if (method === "PUT") {
        const scope = (input.scope ?? {}) as { ref?: number };
        const project = [...harbor.projects.values()].find((p) => p.project_id === scope.ref);
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
        harbor.retentions.set(Number(id), { ...input, id: Number(id) });
        reply.send(200);
        return;
    }
    if (method === "DELETE") {
        if (policy === undefined) {
            throw new HttpError(400, "BAD_REQUEST", `bad request: ${missing}`);
        }
        harbor.retentions.delete(Number(id));
        const scope = (policy.scope ?? {}) as { ref?: number };
        const project = [...harbor.projects.values()].find((p) => p.project_id === scope.ref);
        if (project) delete project.metadata.retention_id;
        reply.send(200);
        return;
    }
    throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} retention`);
}
