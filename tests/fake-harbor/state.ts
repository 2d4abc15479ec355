// What the fake Harbor holds, and what its route handlers get: the objects, id and secret
// allocation, and one parsed request.
import type * as http from "node:http";

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

export interface LoggedRequest {
    method: string;
    path: string;
    query: URLSearchParams;
    body: unknown;
}

/** The fake's state as the route handlers see it (FakeHarbor implements it). */
export interface FakeState {
    readonly projects: Map<string, FakeProject>;
    readonly quotas: Map<number, FakeQuota>;
    readonly robots: Map<number, FakeRobot>;
    readonly retentions: Map<number, Record<string, unknown>>;
    gcSchedule: FakeGcSchedule | undefined;
    readonly robotPrefix: string;
    /** Adds a project and its quota, as POST /projects does. */
    seedProject(name: string): FakeProject;
    /** The next id; projects, quotas, robots and retention policies share one sequence. */
    allocateId(): number;
    /** A fresh random robot secret. */
    newSecret(): string;
}

/** One authenticated request below /api/v2.0. */
export interface RouteRequest {
    method: string;
    /** Path below /api/v2.0, e.g. "/projects/synergyflow". */
    path: string;
    /** Its non-empty segments. */
    parts: string[];
    query: URLSearchParams;
    /** The JSON body, `{}` when there is none. */
    input: Record<string, unknown>;
    headers: http.IncomingHttpHeaders;
}
