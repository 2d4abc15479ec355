// Harbor's garbage-collection schedule (a singleton): the dynamic provider and the
// HarborGcSchedule resource.
//
// The provider object is serialized with its closure into the Pulumi state: it may use this
// file's helpers and ./base.ts, ./client.ts, ./cron.ts (Node built-ins only), never
// @pulumi/pulumi at runtime; only the resource class at the bottom touches @pulumi/pulumi.
import * as pulumi from "@pulumi/pulumi";
import {
    ADOPT_KEYS,
    AdoptInputs,
    adoptionOf,
    alreadyExists,
    changedKeys,
    clientFor,
    CONNECTION_KEYS,
    connectionOf,
    isKnown,
    pick,
} from "./base";
import { HarborClient, HarborConnection } from "./client";
import { harborCronProblem } from "./cron";
import {
    assertKnownCron,
    connectionInputs,
    HarborConnectionArgs,
    HARBOR_SECRET_OUTPUTS,
    withSecretOutputs,
} from "./resource";

/** Resource id of the (singleton) GC schedule. */
export const GC_SCHEDULE_ID = "gc-schedule";

export interface GcScheduleProviderInputs extends HarborConnection, AdoptInputs {
    /** 6-field Harbor cron, e.g. "0 0 2 * * *" (daily 02:00 UTC). */
    schedule: string;
    deleteUntagged: boolean;
    workers: number;
}

export type GcScheduleProviderOutputs = GcScheduleProviderInputs;

const GC_EDITABLE_KEYS = ["schedule", "deleteUntagged", "workers"];
const GC_INPUT_KEYS = [...CONNECTION_KEYS, ...ADOPT_KEYS, ...GC_EDITABLE_KEYS];

interface HarborGcHistory {
    schedule?: { type?: string; cron?: string } | null;
    job_parameters?: string;
}

async function readGcSchedule(
    client: HarborClient,
): Promise<{ cron: string; deleteUntagged: boolean; workers: number } | undefined> {
    const body = await client.get<HarborGcHistory | null>("/system/gc/schedule");
    const schedule = body?.schedule;
    if (!schedule?.type || schedule.type === "None" || schedule.type === "Manual") {
        return undefined;
    }
    let params: Record<string, unknown> = {};
    try {
        params = JSON.parse(body?.job_parameters ?? "{}") as Record<string, unknown>;
    } catch {
        params = {};
    }
    return {
        cron: schedule.cron ?? "",
        deleteUntagged: params.delete_untagged === true,
        workers: typeof params.workers === "number" ? params.workers : 1,
    };
}

function gcScheduleBody(inputs: GcScheduleProviderInputs): unknown {
    return {
        schedule: { type: "Custom", cron: inputs.schedule },
        parameters: { delete_untagged: inputs.deleteUntagged, workers: inputs.workers },
    };
}

function gcAlreadyScheduled(cron: string): Error {
    return alreadyExists(`A Harbor garbage-collection schedule ("${cron}")`, ["gcSchedule: true"]);
}

/** Adopts the existing GC schedule: PUTs the declared one unless it is already in place. */
async function adoptGcSchedule(
    client: HarborClient,
    inputs: GcScheduleProviderInputs,
    existing: { cron: string; deleteUntagged: boolean; workers: number } | undefined,
) {
    const current = {
        schedule: existing?.cron,
        deleteUntagged: existing?.deleteUntagged,
        workers: existing?.workers,
    };
    if (existing === undefined || changedKeys(current, inputs, GC_EDITABLE_KEYS).length > 0) {
        await client.request("PUT", "/system/gc/schedule", { body: gcScheduleBody(inputs) });
    }
    return { id: GC_SCHEDULE_ID, outs: { ...inputs } };
}

export const gcScheduleProvider: pulumi.dynamic.ResourceProvider<
    GcScheduleProviderInputs,
    GcScheduleProviderOutputs
> = {
    check(_olds: GcScheduleProviderInputs, news: GcScheduleProviderInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        const problem = isKnown(news.schedule) ? harborCronProblem(news.schedule) : undefined;
        if (problem !== undefined) {
            failures.push({ property: "schedule", reason: problem });
        }
        if (
            isKnown(news.workers) &&
            // Harbor 2.15.1 handler/gc.go validateWorkers: 1..10 (1..5 up to 2.12.4).
            !(Number.isInteger(news.workers) && news.workers >= 1 && news.workers <= 10)
        ) {
            failures.push({ property: "workers", reason: "must be a whole number from 1 to 10" });
        }
        return Promise.resolve({ inputs: news, failures });
    },

    async create(inputs: GcScheduleProviderInputs) {
        const client = clientFor(inputs);
        const existing = await readGcSchedule(client);
        if (existing !== undefined) {
            if (inputs.adopt === true) {
                return adoptGcSchedule(client, inputs, existing);
            }
            throw gcAlreadyScheduled(existing.cron);
        }
        // Harbor 2.15.1 handler/gc.go CreateGCSchedule overwrites any schedule (kick →
        // updateSchedule deletes, then creates), so the check above is what keeps a hand-made
        // schedule from being replaced without `adopt`.
        await client.request("POST", "/system/gc/schedule", { body: gcScheduleBody(inputs) });
        return { id: GC_SCHEDULE_ID, outs: { ...inputs } };
    },

    async read(id: string, props?: GcScheduleProviderOutputs) {
        if (id !== GC_SCHEDULE_ID) {
            throw new Error(`The Harbor GC schedule's id is "${GC_SCHEDULE_ID}", got "${id}"`);
        }
        const previous = (props ?? {}) as Partial<GcScheduleProviderOutputs>;
        const current = await readGcSchedule(clientFor(previous as HarborConnection));
        if (current === undefined) {
            return { id: "", props: {} as GcScheduleProviderOutputs };
        }
        const state: GcScheduleProviderOutputs = {
            ...connectionOf(previous as HarborConnection),
            ...adoptionOf(previous),
            schedule: current.cron,
            deleteUntagged: current.deleteUntagged,
            workers: current.workers,
        };
        return {
            id: GC_SCHEDULE_ID,
            props: state,
            inputs: pick(state, GC_INPUT_KEYS) as GcScheduleProviderOutputs,
        };
    },

    diff(_id: string, olds: GcScheduleProviderOutputs, news: GcScheduleProviderInputs) {
        const updates = changedKeys(olds, news, [...GC_EDITABLE_KEYS, ...CONNECTION_KEYS]);
        return Promise.resolve({ changes: updates.length > 0, replaces: [] });
    },

    async update(_id: string, _olds: GcScheduleProviderOutputs, news: GcScheduleProviderInputs) {
        await clientFor(news).request("PUT", "/system/gc/schedule", { body: gcScheduleBody(news) });
        return { outs: { ...news } };
    },

    async delete(_id: string, props: GcScheduleProviderOutputs) {
        await clientFor(props).request("PUT", "/system/gc/schedule", {
            body: { schedule: { type: "None", cron: "" } },
        });
    },
};

// ---------------------------------------------------------------------------------------------
// Resource class
// ---------------------------------------------------------------------------------------------

export interface HarborGcScheduleArgs extends HarborConnectionArgs {
    /** 6-field Harbor cron (seconds first), e.g. "0 0 2 * * *" = daily 02:00 UTC. */
    schedule: pulumi.Input<string>;
    /** Also delete untagged artifacts (default false). */
    deleteUntagged?: pulumi.Input<boolean>;
    /** GC workers, 1-10 (default 1; Harbor 2.15.1 accepts up to 10). */
    workers?: pulumi.Input<number>;
}

/** Harbor's garbage-collection schedule (a singleton, id "gc-schedule"). `adopt` takes it over. */
export class HarborGcSchedule extends pulumi.dynamic.Resource {
    declare readonly schedule: pulumi.Output<string>;
    declare readonly deleteUntagged: pulumi.Output<boolean>;
    declare readonly workers: pulumi.Output<number>;

    constructor(name: string, args: HarborGcScheduleArgs, opts?: pulumi.CustomResourceOptions) {
        assertKnownCron(args.schedule, `HarborGcSchedule ${name}`);
        super(
            gcScheduleProvider,
            name,
            {
                ...connectionInputs(args),
                schedule: args.schedule,
                deleteUntagged: args.deleteUntagged ?? false,
                workers: args.workers ?? 1,
            },
            withSecretOutputs(opts, HARBOR_SECRET_OUTPUTS),
            "harbor",
            "GcSchedule",
        );
    }
}
