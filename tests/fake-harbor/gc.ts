// The garbage-collection schedule: goharbor/harbor v2.15.1 src/server/v2.0/handler/gc.go.
import type { FakeState, RouteRequest } from "./state";
import { HttpError, NOW, PREFIX, type Reply } from "./wire";

/**
 * handler/gc.go (v2.15.1): GetGCSchedule, CreateGCSchedule, UpdateGCSchedule → kick, which
 * refuses `workers` outside 1..10 (5 up to v2.12.4) with a 400 before it schedules anything.
 */
export function routeGcSchedule(harbor: FakeState, req: RouteRequest, reply: Reply): void {
    const { method, input } = req;
    if (method === "GET") {
        // No schedule: gcCtr.GetSchedule is NotFound and the handler answers
        // NewGetGCScheduleOK() without a payload, i.e. 200 with an empty body.
        const s = harbor.gcSchedule;
        reply.send(
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
            harbor.gcSchedule = undefined;
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
            const workers = parameters.workers;
            if (typeof workers === "number" && !Number.isInteger(workers)) {
                throw new HttpError(400, "BAD_REQUEST", "workers should be integer format");
            }
            if (typeof workers === "number" && (workers <= 0 || workers > 10)) {
                throw new HttpError(
                    400,
                    "BAD_REQUEST",
                    `Error: Invalid number of workers:${String(workers)}. Workers must be greater than 0 and less than or equal to 10.`,
                );
            }
            harbor.gcSchedule = { type: schedule.type, cron: schedule.cron, parameters };
        }
        if (method === "POST") {
            // The Location is /system/gc/{id}; id stays 0 unless the run is Manual.
            reply.send(201, undefined, { Location: `${PREFIX}/system/gc/0` });
        } else {
            reply.send(200);
        }
        return;
    }
    throw new HttpError(405, "METHOD_NOT_ALLOWED", `${method} gc schedule`);
}
