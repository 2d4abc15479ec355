/**
 * Config fragment `platform:harborProjects`: the Harbor projects, their robot accounts and
 * retention, and the garbage-collection schedule, applied through Harbor's API by the dynamic
 * providers in components/harbor-api. Robot secrets go to 1Password items `harbor-robot-<project>`
 * (fields username, password), which the apps stack reads for image pull secrets.
 */
import { z } from "zod";
import type { Problem } from "../problems";
import { robotItemName } from "../contract/names";
import { harborCronProblem, validateHarborProjects } from "../harbor-api";

const robotSchema = z.strictObject({
    name: z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, {
        error: "must be a Harbor name: lowercase letters and digits, with single '.', '_' or '-' between them",
    }),
    permissions: z
        .array(z.enum(["pull", "push"]))
        .min(1, { error: "must grant at least one permission" }),
    expiresInDays: z.number().int().default(-1),
    /** Change to rotate the robot's secret in place (e.g. "2026-11"). */
    rotation: z.string().optional(),
    description: z.string().optional(),
});

const HARBOR_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const harborName = z
    .string()
    .regex(HARBOR_NAME, {
        error: "must be a Harbor name: lowercase letters and digits, with single '.', '_' or '-' between them",
    })
    .max(255, { error: "must be at most 255 characters" });

const projectSchema = z.strictObject({
    name: harborName,
    public: z.boolean().default(false),
    storageQuotaGiB: z
        .number({ error: "must be a whole number of GiB greater than 0 (omit it for unlimited)" })
        .int({ error: "must be a whole number of GiB greater than 0 (omit it for unlimited)" })
        .positive({ error: "must be a whole number of GiB greater than 0 (omit it for unlimited)" })
        .optional(),
    autoScan: z.boolean().default(true),
    preventVulnerable: z
        .strictObject({ severity: z.enum(["low", "medium", "high", "critical"]) })
        .optional(),
    cosignEnforced: z.boolean().default(false),
    retention: z
        .strictObject({ keepLatest: z.number().int().min(1), schedule: z.string() })
        .optional(),
    robots: z.array(robotSchema).default([]),
});

export const harborProjectsSchema = z.strictObject({
    /** Harbor API base URL [<harbor.externalURL>/api/v2.0]. */
    apiUrl: z
        .url({
            protocol: /^https?$/,
            error: 'must be an http(s) URL ending in /api/v2.0, such as "https://harbor.monosense.io/api/v2.0"',
        })
        .refine(
            (u) =>
                !/^https?:\/\//.test(u) ||
                /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/api\/v2\.0\/?$/.test(u),
            {
                error: 'must be Harbor\'s API base: scheme, host and /api/v2.0, such as "https://harbor.monosense.io/api/v2.0"',
            },
        )
        .optional(),
    /**
     * How long `pulumi up` waits for Harbor to answer at apiUrl before the first API call (a fresh
     * install's route, DNS and certificate take minutes); 0 = do not wait.
     */
    apiWaitSeconds: z.number().int().min(0).max(3600).default(900),
    gc: z.strictObject({ schedule: z.string().default("0 0 2 * * *") }).prefault({}),
    projects: z.array(projectSchema).default([]),
    /** Existing objects to adopt instead of creating: see docs/running.md "Harbor: first login, projects, robots". */
    imports: z
        .strictObject({
            projects: z.array(z.string()).optional(),
            robots: z.record(z.string(), z.number().int()).optional(),
            retentions: z.record(z.string(), z.number().int()).optional(),
            gcSchedule: z.boolean().optional(),
        })
        .optional(),
});

export type HarborProjectsConfig = z.infer<typeof harborProjectsSchema>;

export function harborProjectsProblems(cfg: HarborProjectsConfig): Problem[] {
    const cron = harborCronProblem(cfg.gc.schedule);
    if (cron) return [{ key: "harborProjects.gc.schedule", value: cfg.gc.schedule, message: cron }];
    const problems: Problem[] = [];
    const firstIndex = new Map<string, number>();
    cfg.projects.forEach((p, i) => {
        const first = firstIndex.get(p.name);
        if (first === undefined) firstIndex.set(p.name, i);
        else {
            problems.push({
                key: `harborProjects.projects[${i}].name`,
                value: p.name,
                message: `is already used by harborProjects.projects[${first}]; each project is declared once`,
            });
        }
        if (!p.public && p.robots.length === 0) {
            problems.push({
                key: `harborProjects.projects[${i}].robots`,
                value: [],
                message:
                    'must list at least one robot for a private project (public: false), or nothing can pull from it; add e.g. { name: "pull", permissions: ["pull"] }',
            });
        }
        const robotIndex = new Map<string, number>();
        p.robots.forEach((r, j) => {
            const firstRobot = robotIndex.get(r.name);
            if (firstRobot === undefined) robotIndex.set(r.name, j);
            else {
                problems.push({
                    key: `harborProjects.projects[${i}].robots[${j}].name`,
                    value: r.name,
                    message: `is already used by robots[${firstRobot}] of this project`,
                });
            }
        });
    });
    const projects = new Set(cfg.projects.map((p) => p.name));
    const robots = new Set(cfg.projects.flatMap((p) => p.robots.map((r) => `${p.name}/${r.name}`)));
    const declared = (kind: string, known: Set<string>) =>
        `names no ${kind} declared in platform:harborProjects.projects (known: ${[...known].join(", ") || "none"}); adoption only applies to declared objects`;
    for (const name of cfg.imports?.projects ?? []) {
        if (!projects.has(name)) {
            problems.push({
                key: "harborProjects.imports.projects",
                value: name,
                message: declared("project", projects),
            });
        }
    }
    for (const key of Object.keys(cfg.imports?.robots ?? {})) {
        if (!robots.has(key)) {
            problems.push({
                key: `harborProjects.imports.robots.${key}`,
                value: key,
                message: declared("robot", robots),
            });
        }
    }
    for (const name of Object.keys(cfg.imports?.retentions ?? {})) {
        const project = cfg.projects.find((p) => p.name === name);
        if (!project?.retention) {
            problems.push({
                key: `harborProjects.imports.retentions.${name}`,
                value: name,
                message:
                    "names no project with a retention policy in platform:harborProjects.projects",
            });
        }
    }
    problems.push(...pullRobotProblems(cfg));
    if (problems.length > 0) return problems;
    try {
        validateHarborProjects(cfg.projects);
    } catch (e) {
        return [
            { key: "harborProjects.projects", message: e instanceof Error ? e.message : String(e) },
        ];
    }
    return [];
}

/**
 * A project's first robot is its pull robot: its item `harbor-robot-<project>` becomes every
 * application's image pull secret on the apps cluster, where anyone who reads Secrets in the
 * namespace has it. It must not be able to push (a leaked pull secret could overwrite
 * `backend:latest`); robots that push are for CI, come after it and never reach a cluster.
 */
export function pullRobotProblems(cfg: HarborProjectsConfig): Problem[] {
    const problems: Problem[] = [];
    cfg.projects.forEach((project, i) => {
        const first = project.robots[0];
        if (first && first.permissions.some((p) => p !== "pull")) {
            problems.push({
                key: `harborProjects.projects[${i}].robots[0].permissions`,
                value: first.permissions,
                message: `robot "${first.name}" is project ${project.name}'s pull robot (item ${robotItemName(project.name)}, the apps' pull secrets) and must be [pull] only; declare a separate robot after it for CI pushes`,
            });
        }
    });
    return problems;
}

/** `<project>/<robot>` of every robot that can push (exported so the apps stack never uses one). */
export function pushRobots(cfg: HarborProjectsConfig): string[] {
    return cfg.projects.flatMap((p) =>
        p.robots.filter((r) => r.permissions.includes("push")).map((r) => `${p.name}/${r.name}`),
    );
}
