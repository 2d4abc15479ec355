// Harbor configuration as code: projects, robot accounts, tag retention and the GC
// schedule, managed through Harbor's REST API v2.0 by the dynamic providers in ./providers.ts.
import * as pulumi from "@pulumi/pulumi";
import { assertHarborCron, harborCronProblem } from "./cron";
import { waitForHarbor } from "./wait";
import {
    HarborGcSchedule,
    HarborProject,
    HarborRetentionPolicy,
    HarborRobot,
    RobotAccess,
} from "./providers";

export * from "./providers";
export { HarborApiError, HarborClient, HARBOR_CREDENTIALS_HINT } from "./client";
export type { HarborConnection } from "./client";
export { assertHarborCron, harborCronProblem };
export { waitForHarbor, type WaitForHarborOptions } from "./wait";

export type RobotPermission = "pull" | "push";

export interface RobotSpec {
    /** Short name; Harbor reports the robot as `robot$<project>+<name>`. */
    name: string;
    /** Repository permissions in the project. Pushing with docker needs both "pull" and "push". */
    permissions: RobotPermission[];
    /** Lifetime in days; -1 = never expires. */
    expiresInDays: number;
    /** Change this value (e.g. "2025-06") to rotate the robot's secret in place. */
    rotation?: string;
    description?: string;
}

export interface ProjectSpec {
    name: string;
    public: boolean;
    /** Storage quota in GiB; omitted = unlimited. */
    storageQuotaGiB?: number;
    autoScan: boolean;
    /** Block pulling images with vulnerabilities at or above this severity. */
    preventVulnerable?: { severity: "low" | "medium" | "high" | "critical" };
    /** Only allow cosign-signed images to be pulled. */
    cosignEnforced: boolean;
    /** Keep the N most recently pushed artifacts per repository, on a 6-field cron schedule. */
    retention?: { keepLatest: number; schedule: string };
    robots: RobotSpec[];
}

/**
 * Existing Harbor objects to adopt instead of failing with "already exists" (config
 * `platform:harborProjects.imports`). The matching resources get `adopt: true`: on create they
 * take the existing object over and bring it to the declared state. Pulumi's `import` option is
 * not used: dynamic providers cannot be imported (pulumi/pulumi#16175). Entries only matter when
 * the resource is created, so they may stay after the first successful `pulumi up`.
 */
export interface HarborImports {
    /** Project names. */
    projects?: string[];
    /**
     * "project/robot" -> numeric Harbor robot id (adoption fails if the robot has another id).
     * Adopting a robot refreshes its secret: Harbor never reveals an existing one.
     */
    robots?: Record<string, number>;
    /** project name -> numeric retention policy id (project metadata retention_id), checked. */
    retentions?: Record<string, number>;
    /** Adopt the existing GC schedule. */
    gcSchedule?: boolean;
}

export interface HarborConfigArgs {
    /** e.g. https://harbor.monosense.io/api/v2.0 */
    apiUrl: pulumi.Input<string>;
    username: pulumi.Input<string>;
    password: pulumi.Input<string>;
    projects: ProjectSpec[];
    /** 6-field Harbor cron, seconds first: daily 02:00 UTC = "0 0 2 * * *". */
    gc: { schedule: string };
    imports?: HarborImports;
    /** Attempts for 5xx/connection errors (default 4). */
    maxAttempts?: number;
    /** First retry delay in ms (default 200). */
    retryBaseDelayMs?: number;
    /**
     * During `pulumi up` (not preview, not under mocks), wait up to `timeoutSeconds` for Harbor to
     * answer at apiUrl, once every value in `after` is known (e.g. the release's and the route's
     * ids), before any Harbor resource is created or read; progress goes to the Pulumi log.
     */
    waitForApi?: {
        timeoutSeconds: number;
        intervalSeconds?: number;
        after: pulumi.Input<unknown>[];
    };
}

export interface HarborRobotOutputs {
    /** e.g. robot$synergyflow+synergyflow-puller */
    fullName: pulumi.Output<string>;
    /** Always a secret Output. */
    secret: pulumi.Output<string>;
}

const HARBOR_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const PERMISSIONS: readonly string[] = ["pull", "push"];

/** Validates project specs; throws an Error describing the first problem found. */
export function validateHarborProjects(projects: readonly ProjectSpec[]): void {
    const seen = new Set<string>();
    for (const project of projects) {
        const name = project.name;
        if (name.length < 1 || name.length > 255 || !HARBOR_NAME.test(name)) {
            throw new Error(
                `Harbor project name "${name}" is invalid: use 1-255 lowercase letters and ` +
                    `digits separated by single ".", "_" or "-" (${HARBOR_NAME.source})`,
            );
        }
        if (seen.has(name)) {
            throw new Error(`Harbor project "${name}" is declared more than once`);
        }
        seen.add(name);
        if (
            project.storageQuotaGiB !== undefined &&
            !(Number.isFinite(project.storageQuotaGiB) && project.storageQuotaGiB > 0)
        ) {
            throw new Error(
                `Harbor project "${name}": storageQuotaGiB must be a positive number ` +
                    `(omit it for unlimited), got ${project.storageQuotaGiB}`,
            );
        }
        if (project.retention !== undefined) {
            const keep = project.retention.keepLatest;
            if (!Number.isInteger(keep) || keep < 1) {
                throw new Error(
                    `Harbor project "${name}": retention.keepLatest must be a whole number >= 1, ` +
                        `got ${keep}`,
                );
            }
            assertHarborCron(
                project.retention.schedule,
                `Harbor project "${name}" retention schedule`,
            );
        }
        const robots = new Set<string>();
        for (const robot of project.robots) {
            const label = `Harbor robot "${name}/${robot.name}"`;
            if (!HARBOR_NAME.test(robot.name)) {
                throw new Error(
                    `${label} has an invalid name: use lowercase letters and digits separated ` +
                        `by single ".", "_" or "-"`,
                );
            }
            if (robots.has(robot.name)) {
                throw new Error(`${label} is declared more than once in project "${name}"`);
            }
            robots.add(robot.name);
            if (robot.permissions.length === 0) {
                throw new Error(`${label} needs at least one permission ("pull" or "push")`);
            }
            for (const permission of robot.permissions as readonly string[]) {
                if (!PERMISSIONS.includes(permission)) {
                    throw new Error(
                        `${label} has unknown permission "${permission}"; allowed: "pull", "push"`,
                    );
                }
            }
            const days = robot.expiresInDays;
            if (!Number.isInteger(days) || days === 0 || days < -1) {
                throw new Error(
                    `${label} has expiresInDays ${days}; use a positive whole number of days ` +
                        `or -1 for never`,
                );
            }
        }
    }
}

const GIB = 1024 ** 3;

function robotAccess(permissions: readonly RobotPermission[]): RobotAccess[] {
    return [...new Set(permissions)].map((action) => ({ resource: "repository", action }));
}

/**
 * Harbor projects, project robot accounts, tag-retention policies and the GC schedule.
 * Robot secrets are exposed as secret outputs in `robots["<project>/<robot>"]`.
 */
export class HarborConfig extends pulumi.ComponentResource {
    readonly projects: Record<string, HarborProject>;
    /** Keyed "<project>/<robot>"; `secret` is always a secret Output. */
    readonly robots: Record<string, HarborRobotOutputs>;
    readonly retentionPolicies: Record<string, HarborRetentionPolicy>;
    readonly gcSchedule: HarborGcSchedule;

    constructor(name: string, args: HarborConfigArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering anything.
        validateHarborProjects(args.projects);
        assertHarborCron(args.gc.schedule, "Harbor GC schedule");
        super("platform:harbor:Configuration", name, {}, opts);
        this.projects = {};
        this.robots = {};
        this.retentionPolicies = {};

        const imports = args.imports ?? {};
        const wait = args.waitForApi;
        // Only a real deployment waits: a preview calls no API, and the mock runtime has no engine.
        const apiUrl =
            wait !== undefined &&
            wait.timeoutSeconds > 0 &&
            pulumi.runtime.hasEngine() &&
            !pulumi.runtime.isDryRun()
                ? pulumi
                      .all([pulumi.output(args.apiUrl), pulumi.all(wait.after)])
                      .apply(async ([url]) => {
                          await waitForHarbor(url, {
                              timeoutMs: wait.timeoutSeconds * 1000,
                              intervalMs: (wait.intervalSeconds ?? 10) * 1000,
                              log: (message) => {
                                  void pulumi.log.info(message, this);
                              },
                          });
                          return url;
                      })
                : args.apiUrl;
        const connection = {
            apiUrl,
            username: args.username,
            password: pulumi.secret(args.password),
            maxAttempts: args.maxAttempts,
            retryBaseDelayMs: args.retryBaseDelayMs,
        };
        const childOpts: pulumi.CustomResourceOptions = {
            parent: this,
            dependsOn: opts?.dependsOn,
        };

        for (const spec of args.projects) {
            const project = new HarborProject(
                `${name}-${spec.name}`,
                {
                    ...connection,
                    name: spec.name,
                    public: spec.public,
                    storageQuotaBytes:
                        spec.storageQuotaGiB === undefined
                            ? -1
                            : Math.round(spec.storageQuotaGiB * GIB),
                    autoScan: spec.autoScan,
                    preventVulnerable: spec.preventVulnerable !== undefined,
                    severity: spec.preventVulnerable?.severity ?? "high",
                    cosignEnforced: spec.cosignEnforced,
                    adopt: imports.projects?.includes(spec.name) === true,
                },
                childOpts,
            );
            this.projects[spec.name] = project;

            for (const robotSpec of spec.robots) {
                const key = `${spec.name}/${robotSpec.name}`;
                const robotId = imports.robots?.[key];
                const robot = new HarborRobot(
                    `${name}-${spec.name}-${robotSpec.name}`,
                    {
                        ...connection,
                        // Output of the project: the robot waits for the project to exist.
                        project: project.name,
                        name: robotSpec.name,
                        description:
                            robotSpec.description ??
                            `Managed by Pulumi (${robotSpec.permissions.join("+")})`,
                        durationDays: robotSpec.expiresInDays,
                        access: robotAccess(robotSpec.permissions),
                        rotation: robotSpec.rotation ?? "",
                        adopt: robotId !== undefined,
                        adoptId: robotId,
                    },
                    childOpts,
                );
                this.robots[key] = {
                    fullName: robot.fullName,
                    secret: pulumi.secret(robot.secret),
                };
            }

            if (spec.retention !== undefined) {
                const retentionId = imports.retentions?.[spec.name];
                this.retentionPolicies[spec.name] = new HarborRetentionPolicy(
                    `${name}-${spec.name}-retention`,
                    {
                        ...connection,
                        project: project.name,
                        keepLatest: spec.retention.keepLatest,
                        schedule: spec.retention.schedule,
                        adopt: retentionId !== undefined,
                        adoptId: retentionId,
                    },
                    childOpts,
                );
            }
        }

        this.gcSchedule = new HarborGcSchedule(
            `${name}-gc`,
            { ...connection, schedule: args.gc.schedule, adopt: imports.gcSchedule === true },
            childOpts,
        );

        this.registerOutputs({
            robots: this.robots,
            gcSchedule: this.gcSchedule.schedule,
        });
    }
}

/** Re-exported so callers can check a cron without building resources. */
export function isValidHarborCron(cron: string): boolean {
    return harborCronProblem(cron) === undefined;
}
