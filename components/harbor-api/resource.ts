// What the Harbor resource classes share: their connection arguments (the password as a
// secret), the outputs stored as secrets, the registered type tokens and the cron check at
// construction. This runs in the Pulumi program only; nothing here is serialized with a provider.
import * as pulumi from "@pulumi/pulumi";
import { harborCronProblem } from "./cron";

/** Dynamic resources register as `pulumi-nodejs:dynamic/<module>:<type>`. */
export const HARBOR_TYPE_TOKENS = {
    project: "pulumi-nodejs:dynamic/harbor:Project",
    robot: "pulumi-nodejs:dynamic/harbor:Robot",
    gcSchedule: "pulumi-nodejs:dynamic/harbor:GcSchedule",
    retentionPolicy: "pulumi-nodejs:dynamic/harbor:RetentionPolicy",
} as const;

/** Connection inputs shared by every Harbor resource. */
export interface HarborConnectionArgs {
    /** e.g. https://harbor.monosense.io/api/v2.0 */
    apiUrl: pulumi.Input<string>;
    username: pulumi.Input<string>;
    /** Stored as a secret in the state. */
    password: pulumi.Input<string>;
    /** Attempts for 5xx/connection errors (default 4). */
    maxAttempts?: pulumi.Input<number>;
    /** First retry delay in ms, doubled per retry (default 200). */
    retryBaseDelayMs?: pulumi.Input<number>;
    /**
     * Adopt the object if it already exists in Harbor instead of failing with "already exists"
     * (default false). Only consulted on create; changing it never updates or replaces anything.
     * This replaces Pulumi's `import` option, which dynamic providers cannot support.
     */
    adopt?: pulumi.Input<boolean>;
}

export function connectionInputs(args: HarborConnectionArgs): Record<string, unknown> {
    return {
        apiUrl: args.apiUrl,
        username: args.username,
        password: pulumi.secret(args.password),
        maxAttempts: args.maxAttempts,
        retryBaseDelayMs: args.retryBaseDelayMs,
        adopt: args.adopt ?? false,
    };
}

/** Outputs of every Harbor resource the engine stores as secrets (additionalSecretOutputs). */
export const HARBOR_SECRET_OUTPUTS = ["password"] as const;

export function withSecretOutputs(
    opts: pulumi.CustomResourceOptions | undefined,
    secrets: readonly string[],
): pulumi.CustomResourceOptions {
    return {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secrets],
    };
}

export function assertKnownCron(value: pulumi.Input<string>, what: string): void {
    if (typeof value === "string") {
        const problem = harborCronProblem(value);
        if (problem !== undefined) {
            throw new Error(`${what}: ${problem}`);
        }
    }
}
