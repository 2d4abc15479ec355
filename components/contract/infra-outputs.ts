/**
 * The infra stack's outputs, the one contract between the two stacks: the infra stack writes
 * them (components/contract/infra-outputs-build.ts, typed against `WrittenInfraOutputs`), the
 * apps stack reads them through a StackReference (components/apps/infra.ts parses them with
 * `infraOutputsSchema`), and the tests' fixtures and the render's placeholders use the same
 * types. A key renamed on one side fails the type check of the other.
 *
 * `infraOutputsSchema` is what the current program writes, every key it always writes required.
 * The apps stack reads with `infraOutputsReadSchema`, derived from it with every key optional: an
 * older infra stack lacks keys added later (`harborProjects`, its `pushRobots`, `harbor.adminItem`,
 * `postgres.backupItem`), and the reader applies the defaults (components/apps/infra.ts). A value
 * of the wrong type fails with the key named; unknown keys of a newer infra stack are ignored.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

const tenantOutput = z.object({
    /** Host clients use: the pooler's Service when there is one, else the cluster's -rw Service. */
    host: z.string(),
    port: z.number().int(),
    role: z.string(),
    databases: z.array(z.string()),
    /** The pooler's pool mode; absent without a pooler. */
    poolMode: z.string().optional(),
    /** 1Password item of the tenant's credentials on infra (for people; the apps do not read it). */
    item: z.string(),
    /** Only for tenants with a global pooler (the apps cluster reaches no other). Secret. */
    password: z.string().optional(),
    /** The pooler Service is a ClusterMesh global service. */
    global: z.boolean(),
    /** The Service clients reach (pooler, else the cluster's -rw) and its namespace. */
    service: z.string(),
    /**
     * The session-mode pooler's Service and host (`pooler.session`), for what a transaction pooler
     * breaks (a migration's session advisory lock); absent without one and from older stacks.
     */
    sessionService: z.string().optional(),
    sessionHost: z.string().optional(),
    namespace: z.string(),
    sslmode: z.string(),
});

const dragonflyOutput = z.object({
    address: z.string(),
    /** Managed mode only: the instance's Service and namespace (the apps' ClusterMesh stub). */
    service: z.string().optional(),
    namespace: z.string().optional(),
    global: z.boolean(),
    port: z.number().int(),
    freeDatabases: z.array(z.number().int()),
    item: z.string(),
});

const harborOutput = z.object({
    url: z.string(),
    hostname: z.string(),
    /** The admin password's 1Password item (older infra stacks lack it). */
    adminItem: z.string().optional(),
});

const harborProjectsOutput = z.object({
    /** Project names, in the infra config's order. */
    projects: z.array(z.string()),
    /** 1Password item title of each robot account, by `<project>/<robot>`. */
    robotItems: z.record(z.string(), z.string()),
    /** `<project>/<robot>` of robots that can push: never a pull secret (older stacks lack it). */
    pushRobots: z.array(z.string()),
});

const postgresOutput = z.object({
    cluster: z.string(),
    namespace: z.string(),
    rwHost: z.string(),
    superuserItem: z.string(),
    /** The 1Password item of the shared cluster's backup credentials (older stacks lack it). */
    backupItem: z.string().optional(),
});

export const infraOutputsSchema = z.object({
    role: z.literal("infra"),
    postgres: postgresOutput,
    tenants: z.record(z.string(), tenantOutput),
    /** With platform:dragonfly. */
    dragonfly: dragonflyOutput.optional(),
    /** With platform:harbor (and Dragonfly). */
    harbor: harborOutput.optional(),
    /** With platform:harborProjects; older infra stacks lack it. */
    harborProjects: harborProjectsOutput.optional(),
});

/** What the apps stack accepts: the same keys, each optional (older infra stacks, fixtures). */
export const infraOutputsReadSchema = z.object({
    role: z
        .literal("infra", {
            error: 'must be "infra": platform:infraStack names a stack of another role',
        })
        .optional(),
    postgres: postgresOutput.partial().optional(),
    tenants: z.record(z.string(), tenantOutput.partial()).optional(),
    dragonfly: dragonflyOutput.partial().optional(),
    harbor: harborOutput.partial().optional(),
    harborProjects: harborProjectsOutput.partial().optional(),
});

/** The infra outputs as the current program writes them. */
export type InfraOutputs = z.output<typeof infraOutputsSchema>;
/** The infra outputs as the apps stack reads them (and as test fixtures give them). */
export type ReadInfraOutputs = z.output<typeof infraOutputsReadSchema>;
export type TenantOutput = z.output<typeof tenantOutput>;

/** `T` with any value possibly an Output or a promise: what the infra program returns. */
export type Written<T> = pulumi.Input<
    T extends readonly (infer E)[]
        ? Written<E>[]
        : T extends object
          ? { [K in keyof T]: Written<T[K]> }
          : T
>;
export type WrittenInfraOutputs = { [K in keyof InfraOutputs]: Written<InfraOutputs[K]> };

/** The top-level outputs the apps stack reads (one StackReference lookup each). */
export const INFRA_OUTPUT_NAMES = Object.keys(infraOutputsSchema.shape) as (keyof InfraOutputs)[];

/** Outputs that do not have the contract's shape; the message names each key. */
export class InfraOutputsError extends Error {
    constructor(
        public readonly infraStack: string,
        public readonly problems: string[],
    ) {
        super(
            `the outputs of the infra stack "${infraStack}" do not have the shape this program reads ` +
                `(components/contract/infra-outputs.ts; run pulumi up on infra with this version first):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "InfraOutputsError";
    }
}

function keyPath(path: readonly PropertyKey[]): string {
    return path
        .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
        .join("");
}

/** Parses raw outputs (a StackReference's values, or `--infra-outputs` JSON) against the contract. */
export function parseInfraOutputsShape(
    raw: Record<string, unknown>,
    stack = "(unset)",
): ReadInfraOutputs {
    const result = infraOutputsReadSchema.safeParse(raw);
    if (result.success) return result.data;
    throw new InfraOutputsError(
        stack,
        result.error.issues.map((i) => `${keyPath(i.path) || "(outputs)"}: ${i.message}`),
    );
}
