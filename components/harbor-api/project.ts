// Harbor project: the dynamic provider (metadata, storage quota, adoption) and the
// HarborProject resource.
//
// The provider object is serialized with its closure into the Pulumi state: it may use this
// file's helpers and ./base.ts, ./client.ts (Node built-ins only), never @pulumi/pulumi at runtime;
// only the resource class at the bottom touches @pulumi/pulumi.
import * as pulumi from "@pulumi/pulumi";
import {
    ADOPT_KEYS,
    AdoptInputs,
    alreadyExists,
    changedKeys,
    clientFor,
    CONNECTION_KEYS,
    connectionOf,
    adoptionOf,
    getProjectOrThrow,
    HarborProjectBody,
    isKnown,
    pick,
    yamlKey,
} from "./base";
import { HarborClient, HarborConnection, isHarborStatus } from "./client";
import {
    connectionInputs,
    HarborConnectionArgs,
    HARBOR_SECRET_OUTPUTS,
    withSecretOutputs,
} from "./resource";

export type HarborSeverity = "none" | "low" | "medium" | "high" | "critical";
const SEVERITIES = ["none", "low", "medium", "high", "critical"];

interface HarborQuota {
    id: number;
    hard?: Record<string, number>;
}

async function findProjectQuota(
    client: HarborClient,
    projectId: number,
): Promise<HarborQuota | undefined> {
    const quotas = await client.listAll<HarborQuota>("/quotas", {
        reference: "project",
        reference_id: String(projectId),
    });
    return quotas[0];
}

export interface ProjectProviderInputs extends HarborConnection, AdoptInputs {
    name: string;
    public: boolean;
    /** Storage quota in bytes; -1 = unlimited. */
    storageQuotaBytes: number;
    autoScan: boolean;
    /** Prevent images with vulnerabilities at or above `severity` from being pulled. */
    preventVulnerable: boolean;
    severity: HarborSeverity;
    /** Only allow pulling images signed with cosign (`enable_content_trust_cosign`). */
    cosignEnforced: boolean;
}

export interface ProjectProviderOutputs extends ProjectProviderInputs {
    projectId: number;
}

const PROJECT_INPUT_KEYS = [
    ...CONNECTION_KEYS,
    ...ADOPT_KEYS,
    "name",
    "public",
    "storageQuotaBytes",
    "autoScan",
    "preventVulnerable",
    "severity",
    "cosignEnforced",
];
const PROJECT_METADATA_KEYS = ["public", "autoScan", "preventVulnerable", "cosignEnforced"];

function projectMetadata(inputs: ProjectProviderInputs): Record<string, string> {
    return {
        public: String(inputs.public),
        auto_scan: String(inputs.autoScan),
        prevent_vul: String(inputs.preventVulnerable),
        severity: inputs.severity,
        enable_content_trust_cosign: String(inputs.cosignEnforced),
    };
}

/** Property names whose change is applied in place (metadata, quota, connection). */
function projectUpdates(olds: ProjectProviderInputs, news: ProjectProviderInputs): string[] {
    const changes = changedKeys(olds, news, [
        ...PROJECT_METADATA_KEYS,
        "storageQuotaBytes",
        ...CONNECTION_KEYS,
    ]);
    // The severity only matters while vulnerable images are blocked.
    if (
        (olds.preventVulnerable || news.preventVulnerable) &&
        changedKeys(olds, news, ["severity"]).length > 0
    ) {
        changes.push("severity");
    }
    return changes;
}

/** The project as Harbor has it, in provider terms (`previous` supplies connection and severity). */
async function readProjectState(
    client: HarborClient,
    name: string,
    previous: Partial<ProjectProviderOutputs>,
): Promise<ProjectProviderOutputs | undefined> {
    const project = await client.getOptional<HarborProjectBody>(
        `/projects/${encodeURIComponent(name)}`,
        { headers: { "X-Is-Resource-Name": "true" } },
    );
    if (project === undefined) {
        return undefined;
    }
    const quota = await findProjectQuota(client, project.project_id);
    const metadata = project.metadata ?? {};
    const severity = (metadata.severity ?? "low") as HarborSeverity;
    return {
        ...connectionOf(previous as HarborConnection),
        ...adoptionOf(previous),
        name: project.name,
        public: metadata.public === "true",
        storageQuotaBytes: quota?.hard?.storage ?? -1,
        autoScan: metadata.auto_scan === "true",
        preventVulnerable: metadata.prevent_vul === "true",
        // Keep the declared severity while blocking is off, so adoption/refresh stay clean.
        severity:
            metadata.prevent_vul !== "true" && previous.severity !== undefined
                ? previous.severity
                : severity,
        cosignEnforced: metadata.enable_content_trust_cosign === "true",
        projectId: project.project_id,
    };
}

/** Applies in-place `changes` (from projectUpdates) and returns the project id. */
async function applyProjectChanges(
    client: HarborClient,
    changes: string[],
    news: ProjectProviderInputs,
    projectId: number,
): Promise<number> {
    const metadataChanged = changes.some((key) =>
        [...PROJECT_METADATA_KEYS, "severity"].includes(key),
    );
    if (metadataChanged) {
        await client.request("PUT", `/projects/${encodeURIComponent(news.name)}`, {
            headers: { "X-Is-Resource-Name": "true" },
            body: { metadata: projectMetadata(news) },
        });
    }
    if (!changes.includes("storageQuotaBytes")) {
        return projectId;
    }
    const project = await getProjectOrThrow(client, news.name);
    const quota = await findProjectQuota(client, project.project_id);
    if (quota === undefined) {
        throw new Error(
            `Harbor has no storage quota for project "${news.name}" (id ${project.project_id}); ` +
                `is quota_per_project_enable switched off?`,
        );
    }
    await client.request("PUT", `/quotas/${quota.id}`, {
        body: { hard: { storage: news.storageQuotaBytes } },
    });
    return project.project_id;
}

/** Adopts an existing project: updates whatever differs from `inputs` (metadata, quota). */
async function adoptProject(client: HarborClient, inputs: ProjectProviderInputs) {
    const current = await readProjectState(client, inputs.name, inputs);
    if (current === undefined) {
        throw new Error(
            `Harbor reported project "${inputs.name}" as existing, but GET ` +
                `${client.url(`/projects/${inputs.name}`)} returned 404`,
        );
    }
    const changes = projectUpdates(current, inputs);
    const projectId = await applyProjectChanges(client, changes, inputs, current.projectId);
    return { id: current.name, outs: { ...inputs, projectId } };
}

export const projectProvider: pulumi.dynamic.ResourceProvider<
    ProjectProviderInputs,
    ProjectProviderOutputs
> = {
    check(_olds: ProjectProviderInputs, news: ProjectProviderInputs) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (isKnown(news.name) && !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(news.name)) {
            failures.push({
                property: "name",
                reason: `"${news.name}" is not a valid Harbor project name (lowercase letters, digits and single ".", "_" or "-" separators)`,
            });
        }
        if (isKnown(news.severity) && !SEVERITIES.includes(news.severity)) {
            failures.push({
                property: "severity",
                reason: `"${news.severity}" is not one of ${SEVERITIES.join(", ")}`,
            });
        }
        if (
            isKnown(news.storageQuotaBytes) &&
            (!Number.isInteger(news.storageQuotaBytes) ||
                (news.storageQuotaBytes < 1 && news.storageQuotaBytes !== -1))
        ) {
            failures.push({
                property: "storageQuotaBytes",
                reason: "must be a positive whole number of bytes or -1 (unlimited)",
            });
        }
        return Promise.resolve({ inputs: news, failures });
    },

    async create(inputs: ProjectProviderInputs) {
        const client = clientFor(inputs);
        let location: string | undefined;
        try {
            const response = await client.request("POST", "/projects", {
                body: {
                    project_name: inputs.name,
                    public: inputs.public,
                    storage_limit: inputs.storageQuotaBytes,
                    metadata: projectMetadata(inputs),
                },
            });
            location = HarborClient.idFromLocation(response.headers);
        } catch (err) {
            if (isHarborStatus(err, 409)) {
                if (inputs.adopt === true) {
                    return adoptProject(client, inputs);
                }
                throw alreadyExists(`Harbor project "${inputs.name}"`, [
                    "projects:",
                    `  - ${yamlKey(inputs.name)}`,
                ]);
            }
            throw err;
        }
        let projectId = Number(location);
        if (!Number.isInteger(projectId)) {
            projectId = (await getProjectOrThrow(client, inputs.name)).project_id;
        }
        return { id: inputs.name, outs: { ...inputs, projectId } };
    },

    async read(id: string, props?: ProjectProviderOutputs) {
        const previous = (props ?? {}) as Partial<ProjectProviderOutputs>;
        const state = await readProjectState(clientFor(previous as HarborConnection), id, previous);
        if (state === undefined) {
            return { id: "", props: {} as ProjectProviderOutputs };
        }
        return {
            id: state.name,
            props: state,
            inputs: pick(state, PROJECT_INPUT_KEYS) as ProjectProviderOutputs,
        };
    },

    diff(_id: string, olds: ProjectProviderOutputs, news: ProjectProviderInputs) {
        const replaces = changedKeys(olds, news, ["name"]);
        const updates = projectUpdates(olds, news);
        return Promise.resolve({
            changes: replaces.length + updates.length > 0,
            replaces,
            // A new name never collides with the old project, so create-before-delete is safe.
            deleteBeforeReplace: false,
        });
    },

    async update(_id: string, olds: ProjectProviderOutputs, news: ProjectProviderInputs) {
        const client = clientFor(news);
        const projectId = await applyProjectChanges(
            client,
            projectUpdates(olds, news),
            news,
            olds.projectId,
        );
        return { outs: { ...news, projectId } };
    },

    async delete(id: string, props: ProjectProviderOutputs) {
        const client = clientFor(props);
        try {
            await client.deleteIfExists(`/projects/${encodeURIComponent(id)}`, {
                headers: { "X-Is-Resource-Name": "true" },
            });
        } catch (err) {
            if (isHarborStatus(err, 412)) {
                throw new Error(
                    `Harbor refused to delete project "${id}" because it is not empty ` +
                        `(repositories, helm charts or other resources remain): ${err.message}`,
                );
            }
            throw err;
        }
    },
};

// ---------------------------------------------------------------------------------------------
// Resource class
// ---------------------------------------------------------------------------------------------

export interface HarborProjectArgs extends HarborConnectionArgs {
    name: pulumi.Input<string>;
    /** Default false (private). */
    public?: pulumi.Input<boolean>;
    /** Storage quota in bytes; -1 (default) = unlimited. */
    storageQuotaBytes?: pulumi.Input<number>;
    /** Scan images on push (default true). */
    autoScan?: pulumi.Input<boolean>;
    /** Block pulling images with vulnerabilities at or above `severity` (default false). */
    preventVulnerable?: pulumi.Input<boolean>;
    /** Default "high". */
    severity?: pulumi.Input<HarborSeverity>;
    /** Only allow cosign-signed images to be pulled (default false). */
    cosignEnforced?: pulumi.Input<boolean>;
}

/** A Harbor project; its id is the project name. `adopt` takes over an existing project. */
export class HarborProject extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly public: pulumi.Output<boolean>;
    declare readonly storageQuotaBytes: pulumi.Output<number>;
    declare readonly autoScan: pulumi.Output<boolean>;
    declare readonly preventVulnerable: pulumi.Output<boolean>;
    declare readonly severity: pulumi.Output<HarborSeverity>;
    declare readonly cosignEnforced: pulumi.Output<boolean>;
    declare readonly projectId: pulumi.Output<number>;

    constructor(name: string, args: HarborProjectArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            projectProvider,
            name,
            {
                ...connectionInputs(args),
                name: args.name,
                public: args.public ?? false,
                storageQuotaBytes: args.storageQuotaBytes ?? -1,
                autoScan: args.autoScan ?? true,
                preventVulnerable: args.preventVulnerable ?? false,
                severity: args.severity ?? "high",
                cosignEnforced: args.cosignEnforced ?? false,
                projectId: undefined,
            },
            withSecretOutputs(opts, HARBOR_SECRET_OUTPUTS),
            "harbor",
            "Project",
        );
    }
}
