// Harbor tag-retention policy (one per project): the dynamic provider (Harbor 2.15.1's answers
// for a missing policy, the stale retention_id, adoption) and the HarborRetentionPolicy resource.
//
// The provider object is serialized with its closure into the Pulumi state: it may use this
// file's helpers and ./base.ts, ./client.ts, ./cron.ts (Node built-ins only), never
// @pulumi/pulumi at runtime; only the resource class at the bottom touches @pulumi/pulumi.
import * as pulumi from "@pulumi/pulumi";
import {
    ADOPT_KEYS,
    AdoptInputs,
    adoptIdMismatch,
    adoptionOf,
    alreadyExists,
    changedKeys,
    clientFor,
    CONNECTION_KEYS,
    connectionOf,
    getProjectOrThrow,
    HarborProjectBody,
    isKnown,
    pick,
    yamlKey,
} from "./base";
import { HarborClient, HarborConnection, isHarborStatus } from "./client";
import { harborCronProblem } from "./cron";
import {
    assertKnownCron,
    connectionInputs,
    HarborConnectionArgs,
    HARBOR_SECRET_OUTPUTS,
    withSecretOutputs,
} from "./resource";

export interface RetentionProviderInputs extends HarborConnection, AdoptInputs {
    /** Project (name) the policy belongs to. */
    project: string;
    /** Keep the N most recently pushed artifacts per repository. */
    keepLatest: number;
    /** 6-field Harbor cron for the retention run. */
    schedule: string;
    /** doublestar pattern of tags the rule applies to (default "**"). */
    tagPattern: string;
    /** doublestar pattern of repositories the rule applies to (default "**"). */
    repositoryPattern: string;
    /** Whether untagged artifacts count as matching the tag selector. */
    includeUntagged: boolean;
}

export interface RetentionProviderOutputs extends RetentionProviderInputs {
    retentionId: number;
    projectId: number;
}

const RETENTION_INPUT_KEYS = [
    ...CONNECTION_KEYS,
    ...ADOPT_KEYS,
    "project",
    "keepLatest",
    "schedule",
    "tagPattern",
    "repositoryPattern",
    "includeUntagged",
];
const RETENTION_EDITABLE_KEYS = [
    "keepLatest",
    "schedule",
    "tagPattern",
    "repositoryPattern",
    "includeUntagged",
];

interface HarborRetentionSelector {
    kind?: string;
    decoration?: string;
    pattern?: string;
    extras?: string;
}

interface HarborRetentionPolicyBody {
    id?: number;
    algorithm?: string;
    rules?: {
        disabled?: boolean;
        action?: string;
        template?: string;
        params?: Record<string, unknown>;
        tag_selectors?: HarborRetentionSelector[];
        scope_selectors?: Record<string, HarborRetentionSelector[]>;
    }[];
    trigger?: { kind?: string; settings?: { cron?: string }; references?: unknown };
    scope?: { level?: string; ref?: number };
}

function retentionBody(
    inputs: RetentionProviderInputs,
    projectId: number,
    id?: number,
): HarborRetentionPolicyBody {
    return {
        ...(id === undefined ? {} : { id }),
        algorithm: "or",
        rules: [
            {
                disabled: false,
                action: "retain",
                template: "latestPushedK",
                params: { latestPushedK: inputs.keepLatest },
                tag_selectors: [
                    {
                        kind: "doublestar",
                        decoration: "matches",
                        pattern: inputs.tagPattern,
                        extras: JSON.stringify({ untagged: inputs.includeUntagged }),
                    },
                ],
                scope_selectors: {
                    repository: [
                        {
                            kind: "doublestar",
                            decoration: "repoMatches",
                            pattern: inputs.repositoryPattern,
                        },
                    ],
                },
            },
        ],
        trigger: { kind: "Schedule", settings: { cron: inputs.schedule }, references: {} },
        scope: { level: "project", ref: projectId },
    };
}

function assertRetentionId(id: string): void {
    if (!/^[0-9]+$/.test(id)) {
        throw new Error(
            `Harbor retention policy id must be numeric (project metadata retention_id), got "${id}"`,
        );
    }
}

/** The policy as Harbor has it, in provider terms (`previous` supplies the connection). */
function retentionState(
    id: string,
    policy: HarborRetentionPolicyBody,
    project: HarborProjectBody,
    previous: Partial<RetentionProviderOutputs>,
): RetentionProviderOutputs {
    const rule = (policy.rules ?? []).find((r) => r.template === "latestPushedK");
    const tagSelector = rule?.tag_selectors?.[0];
    let untagged = false;
    try {
        untagged =
            (JSON.parse(tagSelector?.extras ?? "{}") as { untagged?: unknown }).untagged === true;
    } catch {
        untagged = false;
    }
    return {
        ...connectionOf(previous as HarborConnection),
        ...adoptionOf(previous),
        project: project.name,
        keepLatest: Number(rule?.params?.latestPushedK ?? 0),
        schedule: policy.trigger?.settings?.cron ?? "",
        tagPattern: tagSelector?.pattern ?? "**",
        repositoryPattern: rule?.scope_selectors?.repository?.[0]?.pattern ?? "**",
        includeUntagged: untagged,
        retentionId: Number(id),
        projectId: project.project_id,
    };
}

/**
 * Whether Harbor has retention policy `id`. Harbor 2.15.1 (as 2.12.4) cannot say so on GET /retentions/{id}:
 * src/pkg/retention/manager.go GetPolicy turns a missing row into a plain error, which
 * src/server/v2.0/handler/retention.go GetRetention sends as a 500 (retried, then a failure).
 * ListRetentionExecutions and DeleteRetention wrap the same error as a 400 "bad request: no such
 * Retention policy with id N", which is what this asks for.
 */
async function retentionExists(client: HarborClient, id: string): Promise<boolean> {
    try {
        await client.request("GET", `/retentions/${id}/executions`, {
            query: { page: 1, page_size: 1 },
        });
        return true;
    } catch (err) {
        if (isRetentionMissing(err)) {
            return false;
        }
        throw err;
    }
}

/** Harbor 2.15.1's 400 for a retention policy that does not exist (see retentionExists). */
function isRetentionMissing(err: unknown): boolean {
    return isHarborStatus(err, 400) && /no such Retention policy/.test(err.harborMessage ?? "");
}

/** GET /retentions/{id}, or undefined when Harbor has no such policy. */
async function getRetentionOptional(
    client: HarborClient,
    id: string,
): Promise<HarborRetentionPolicyBody | undefined> {
    if (!(await retentionExists(client, id))) {
        return undefined;
    }
    return client.get<HarborRetentionPolicyBody>(`/retentions/${id}`);
}

/**
 * Removes a project's `retention_id` metadata if it still names `id`. Harbor up to 2.13's
 * DeleteRetention left it behind (cleaned up on delete from v2.14.0, goharbor/harbor#22174; at
 * 2.15.1 this is a no-op after our own delete), and a Harbor upgraded from those versions keeps
 * such stale metadata; CreateRetention refuses any project that has one, so without this no new
 * policy could be made there.
 */
async function clearRetentionId(
    client: HarborClient,
    projectId: number,
    id: string,
): Promise<void> {
    const headers = { "X-Is-Resource-Name": "false" };
    const project = await client.getOptional<HarborProjectBody>(`/projects/${projectId}`, {
        headers,
    });
    if (project?.metadata?.retention_id !== id) {
        return;
    }
    await client.deleteIfExists(`/projects/${projectId}/metadatas/retention_id`, { headers });
}

/** Adopts a project's existing policy: checks the id from the config and PUTs what differs. */
async function adoptRetention(
    client: HarborClient,
    inputs: RetentionProviderInputs,
    project: HarborProjectBody,
    id: string,
) {
    if (inputs.adoptId !== undefined && String(inputs.adoptId) !== id) {
        throw adoptIdMismatch(
            `the tag-retention policy of Harbor project "${inputs.project}"`,
            `retentions["${inputs.project}"]`,
            inputs.adoptId,
            id,
        );
    }
    const policy = await client.get<HarborRetentionPolicyBody>(`/retentions/${id}`);
    const current = retentionState(id, policy, project, inputs);
    if (changedKeys(current, inputs, RETENTION_EDITABLE_KEYS).length > 0) {
        await client.request("PUT", `/retentions/${id}`, {
            body: retentionBody(inputs, project.project_id, Number(id)),
        });
    }
    return {
        id,
        outs: { ...inputs, retentionId: Number(id), projectId: project.project_id },
    };
}

export const retentionPolicyProvider: pulumi.dynamic.ResourceProvider<
    RetentionProviderInputs,
    RetentionProviderOutputs
> = {
    check(_olds: RetentionProviderInputs, news: RetentionProviderInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        const problem = isKnown(news.schedule) ? harborCronProblem(news.schedule) : undefined;
        if (problem !== undefined) {
            failures.push({ property: "schedule", reason: problem });
        }
        if (
            isKnown(news.keepLatest) &&
            !(Number.isInteger(news.keepLatest) && news.keepLatest >= 1)
        ) {
            failures.push({ property: "keepLatest", reason: "must be a whole number >= 1" });
        }
        return Promise.resolve({ inputs: news, failures });
    },

    async create(inputs: RetentionProviderInputs) {
        const client = clientFor(inputs);
        const project = await getProjectOrThrow(client, inputs.project);
        let existing = project.metadata?.retention_id;
        if (existing) {
            assertRetentionId(existing);
            if (!(await retentionExists(client, existing))) {
                // Stale: the policy was deleted on a Harbor that keeps the metadata (< 2.14).
                await clearRetentionId(client, project.project_id, existing);
                existing = undefined;
            }
        }
        if (existing) {
            if (inputs.adopt === true) {
                return adoptRetention(client, inputs, project, existing);
            }
            throw alreadyExists(
                `A tag-retention policy (id ${existing}) for Harbor project "${inputs.project}"`,
                ["retentions:", `  ${yamlKey(inputs.project)}: ${existing}`],
            );
        }
        const response = await client.request("POST", "/retentions", {
            body: retentionBody(inputs, project.project_id),
        });
        let id = HarborClient.idFromLocation(response.headers);
        if (id === undefined || !/^[0-9]+$/.test(id)) {
            id = (await getProjectOrThrow(client, inputs.project)).metadata?.retention_id;
        }
        if (id === undefined) {
            throw new Error(
                `Harbor created a retention policy for "${inputs.project}" but reported no id`,
            );
        }
        return {
            id,
            outs: { ...inputs, retentionId: Number(id), projectId: project.project_id },
        };
    },

    async read(id: string, props?: RetentionProviderOutputs) {
        assertRetentionId(id);
        const previous = (props ?? {}) as Partial<RetentionProviderOutputs>;
        const client = clientFor(previous as HarborConnection);
        const policy = await getRetentionOptional(client, id);
        const projectId = policy?.scope?.ref;
        const project =
            projectId === undefined
                ? undefined
                : await client.getOptional<HarborProjectBody>(`/projects/${projectId}`, {
                      headers: { "X-Is-Resource-Name": "false" },
                  });
        if (policy === undefined || project === undefined) {
            return { id: "", props: {} as RetentionProviderOutputs };
        }
        const state = retentionState(id, policy, project, previous);
        return {
            id,
            props: state,
            inputs: pick(state, RETENTION_INPUT_KEYS) as RetentionProviderOutputs,
        };
    },

    diff(_id: string, olds: RetentionProviderOutputs, news: RetentionProviderInputs) {
        const replaces = changedKeys(olds, news, ["project"]);
        const updates = changedKeys(olds, news, [...RETENTION_EDITABLE_KEYS, ...CONNECTION_KEYS]);
        return Promise.resolve({
            changes: replaces.length + updates.length > 0,
            replaces,
            deleteBeforeReplace: false,
        });
    },

    async update(id: string, olds: RetentionProviderOutputs, news: RetentionProviderInputs) {
        const client = clientFor(news);
        if (changedKeys(olds, news, RETENTION_EDITABLE_KEYS).length > 0) {
            await client.request("PUT", `/retentions/${id}`, {
                body: retentionBody(news, olds.projectId, Number(id)),
            });
        }
        return { outs: { ...news, retentionId: Number(id), projectId: olds.projectId } };
    },

    async delete(id: string, props: RetentionProviderOutputs) {
        const client = clientFor(props);
        try {
            await client.request("DELETE", `/retentions/${id}`);
        } catch (err) {
            // Already gone: 2.15.1 answers 400 "no such Retention policy", not 404.
            if (!isRetentionMissing(err) && !isHarborStatus(err, 404)) {
                throw err;
            }
        }
        if (typeof props.projectId === "number") {
            await clearRetentionId(client, props.projectId, id);
        }
    },
};

// ---------------------------------------------------------------------------------------------
// Resource class
// ---------------------------------------------------------------------------------------------

export interface HarborRetentionPolicyArgs extends HarborConnectionArgs {
    project: pulumi.Input<string>;
    /** Keep the N most recently pushed artifacts per repository. */
    keepLatest: pulumi.Input<number>;
    /** 6-field Harbor cron (seconds first). */
    schedule: pulumi.Input<string>;
    tagPattern?: pulumi.Input<string>;
    repositoryPattern?: pulumi.Input<string>;
    includeUntagged?: pulumi.Input<boolean>;
    /** With `adopt`: the retention id expected; adoption fails if the project has another. */
    adoptId?: pulumi.Input<number>;
}

/**
 * A project's tag-retention policy; its id is the numeric retention id (project metadata
 * retention_id). `adopt` takes over the project's existing policy.
 */
export class HarborRetentionPolicy extends pulumi.dynamic.Resource {
    declare readonly project: pulumi.Output<string>;
    declare readonly keepLatest: pulumi.Output<number>;
    declare readonly schedule: pulumi.Output<string>;
    declare readonly retentionId: pulumi.Output<number>;
    declare readonly projectId: pulumi.Output<number>;

    constructor(
        name: string,
        args: HarborRetentionPolicyArgs,
        opts?: pulumi.CustomResourceOptions,
    ) {
        assertKnownCron(args.schedule, `HarborRetentionPolicy ${name}`);
        if (
            typeof args.keepLatest === "number" &&
            !(Number.isInteger(args.keepLatest) && args.keepLatest >= 1)
        ) {
            throw new Error(
                `HarborRetentionPolicy ${name}: keepLatest must be a whole number >= 1, got ${args.keepLatest}`,
            );
        }
        super(
            retentionPolicyProvider,
            name,
            {
                ...connectionInputs(args),
                project: args.project,
                keepLatest: args.keepLatest,
                schedule: args.schedule,
                tagPattern: args.tagPattern ?? "**",
                repositoryPattern: args.repositoryPattern ?? "**",
                includeUntagged: args.includeUntagged ?? true,
                adoptId: args.adoptId,
                retentionId: undefined,
                projectId: undefined,
            },
            withSecretOutputs(opts, HARBOR_SECRET_OUTPUTS),
            "harbor",
            "RetentionPolicy",
        );
    }
}
