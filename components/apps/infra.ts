/**
 * What the apps stack reads from the infra stack (through a StackReference) and the checks that
 * tie its `platform:applications` to it. The outputs are read once, as plain values
 * (`getOutputDetails`), before any application resource is registered: resource names then come
 * from known values (never from inside an `apply`), and a mismatch fails the deployment with one
 * message naming the key. StackReference outputs are known during `pulumi preview` too.
 *
 * The outputs' shape is the contract in components/contract/infra-outputs.ts (the infra stack
 * writes it with components/contract/infra-outputs-build.ts). Without harbor.hostname the apps use
 * platform:harborHostname; without harborProjects (an older infra stack) Harbor projects are not
 * checked and pull secrets read the conventional item harbor-robot-<project>.
 */
import type * as pulumi from "@pulumi/pulumi";
import { itemTitle } from "../onepassword";
import { ConfigError, type Problem } from "../problems";
import { appNamespace, colocatedBackupItem, type AppsStackConfig } from "./config";
import { INFRA_OUTPUT_NAMES, parseInfraOutputsShape } from "../contract/infra-outputs";
import type { GlobalService } from "./spec";
import { robotItemName } from "../contract/names";
import { serviceFqdn } from "./spec";

export interface InfraTenant {
    name: string;
    role: string;
    databases: string[];
    port: number;
    /** 1Password item of the tenant's credentials on infra (for people; not read here). */
    item?: string;
    global: boolean;
    /** The pooler Service and its namespace (when the tenant has a pooler). */
    service?: string;
    /** The session-mode pooler's Service (same namespace), when the tenant has one. */
    sessionService?: string;
    namespace?: string;
    sslmode: string;
    password?: string;
}

export interface InfraDragonfly {
    address?: string;
    service: string;
    namespace: string;
    global: boolean;
    port: number;
}

/** The Harbor projects the infra stack manages (platform:harborProjects on infra). */
export interface InfraHarborProjects {
    /** Project names, in the infra config's order. */
    projects: string[];
    /** 1Password item title of each robot account, by `<project>/<robot>`. */
    robotItems: Record<string, string>;
    /** `<project>/<robot>` of robots that can push: never a pull secret. */
    pushRobots: string[];
}

export interface InfraView {
    tenants: Record<string, InfraTenant>;
    harborHostname?: string;
    dragonfly?: InfraDragonfly;
    /** Absent when the infra stack exports no `harborProjects` (an older stack). */
    harborProjects?: InfraHarborProjects;
    /** The 1Password item of the infra cluster's backup credentials (`postgres.backupItem`). */
    backupItem?: string;
}

/**
 * The view the apps stack works with, from the raw outputs (as a StackReference or `--infra-outputs`
 * JSON gives them), read against the contract (components/contract/infra-outputs.ts): a value of
 * the wrong type fails with its key named; keys an older infra stack lacks get their defaults.
 */
export function parseInfraOutputs(raw: Record<string, unknown>, stack?: string): InfraView {
    const o = parseInfraOutputsShape(raw, stack);
    const tenants: Record<string, InfraTenant> = {};
    for (const [name, t] of Object.entries(o.tenants ?? {})) {
        tenants[name] = {
            name,
            role: nonEmpty(t.role) ?? name,
            databases: t.databases ?? [],
            port: t.port ?? 5432,
            item: nonEmpty(t.item),
            global: t.global ?? false,
            service: nonEmpty(t.service),
            sessionService: nonEmpty(t.sessionService),
            namespace: nonEmpty(t.namespace),
            sslmode: nonEmpty(t.sslmode) ?? "require",
            password: nonEmpty(t.password),
        };
    }
    const df = o.dragonfly;
    const dfService = nonEmpty(df?.service);
    const dfNamespace = nonEmpty(df?.namespace);
    const dfAddress = nonEmpty(df?.address);
    const hp = o.harborProjects;
    return {
        tenants,
        backupItem: nonEmpty(o.postgres?.backupItem),
        harborHostname: nonEmpty(o.harbor?.hostname),
        harborProjects: hp?.projects
            ? {
                  projects: hp.projects,
                  robotItems: Object.fromEntries(
                      Object.entries(hp.robotItems ?? {}).filter(([, title]) => title !== ""),
                  ),
                  pushRobots: hp.pushRobots ?? [],
              }
            : undefined,
        dragonfly:
            dfService && dfNamespace
                ? {
                      address: dfAddress,
                      service: dfService,
                      namespace: dfNamespace,
                      global: df?.global ?? false,
                      port: addressPort(dfAddress),
                  }
                : undefined,
    };
}

const nonEmpty = (v: string | undefined): string | undefined => (v === "" ? undefined : v);

/** The port of a `host:port` address (Dragonfly's), 6379 without one. */
function addressPort(address: string | undefined): number {
    const port = address?.split(":").pop() ?? "";
    return /^[0-9]+$/.test(port) ? Number(port) : 6379;
}

/**
 * The 1Password item of a Harbor project's pull robot, as the infra stack exports it: its first
 * robot's item (`harbor-robot-<project>`; further robots get `harbor-robot-<project>-<robot>`).
 * The engine returns `robotItems` with its keys sorted, not in config order, so the first robot
 * is recognised by its title being a prefix of every other title of the project (with a single
 * robot, that robot). Without an entry (older infra stack, or a project without robots), the
 * conventional `harbor-robot-<project>`.
 */
export function pullRobotItem(infra: InfraView, project: string): string {
    const push = new Set(infra.harborProjects?.pushRobots ?? []);
    const titles = Object.entries(infra.harborProjects?.robotItems ?? {})
        .filter(([key]) => key.startsWith(`${project}/`) && !push.has(key))
        .map(([, title]) => title);
    const first = titles.find((t) => titles.every((o) => o.startsWith(t))) ?? titles[0];
    return first ?? robotItemName(project);
}

/** Every ClusterMesh global service the infra stack exports, sorted by namespace and name. */
export function globalServices(infra: InfraView): GlobalService[] {
    const out: GlobalService[] = [];
    for (const t of Object.values(infra.tenants)) {
        if (t.global && t.service && t.namespace) {
            out.push({
                name: t.service,
                namespace: t.namespace,
                ports: [{ name: "pgbouncer", port: t.port }],
                description: `pooler of tenant ${t.name}`,
            });
            if (t.sessionService) {
                out.push({
                    name: t.sessionService,
                    namespace: t.namespace,
                    ports: [{ name: "pgbouncer", port: t.port }],
                    description: `session-mode pooler of tenant ${t.name}`,
                });
            }
        }
    }
    const df = infra.dragonfly;
    if (df?.global) {
        out.push({
            name: df.service,
            namespace: df.namespace,
            ports: [{ name: "redis", port: df.port }],
            description: "dragonfly",
        });
    }
    return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** Where an application connects for its tenant: the global pooler Service's cluster-local name. */
export interface TenantConnection {
    host: string;
    port: number;
    database: string;
    username: string;
    sslmode: string;
    password?: string;
    /** The session-mode pooler's cluster-local name, when the tenant has one. */
    sessionHost?: string;
}

export function tenantConnection(t: InfraTenant, database: string): TenantConnection {
    return {
        host: serviceFqdn(t.service ?? `${t.name}-pooler`, t.namespace ?? "cnpg-system"),
        port: t.port,
        database,
        username: t.role,
        sslmode: t.sslmode,
        password: t.password,
        ...(t.sessionService
            ? { sessionHost: serviceFqdn(t.sessionService, t.namespace ?? "cnpg-system") }
            : {}),
    };
}

/**
 * Problems between the apps config and the infra stack's outputs, in the config's error format:
 * unknown tenant (listing the known ones), a tenant without a global pooler, a database the tenant
 * does not have, an application namespace that holds an infra global service, a Harbor project the
 * infra stack does not manage (only when it exports `harborProjects`; an older stack's missing
 * project shows as the 1Password lookup error at run time).
 */
export function infraProblems(cfg: AppsStackConfig, infra: InfraView): Problem[] {
    const problems: Problem[] = [];
    const stack = cfg.infraStack ?? "(unset)";
    const known = Object.keys(infra.tenants).sort();
    const stubNamespaces = new Set(globalServices(infra).map((s) => s.namespace));
    cfg.applications.forEach((app, i) => {
        const at = `applications[${i}]`;
        const backupTitle = app.postgres?.backup
            ? itemTitle(cfg.onepassword, colocatedBackupItem(app))
            : undefined;
        if (backupTitle !== undefined && backupTitle === infra.backupItem) {
            problems.push({
                key: `${at}.postgres.backup.credentials.item`,
                value: colocatedBackupItem(app),
                message: `is the item the infra stack "${stack}" backs up its shared cluster with (${backupTitle}), which can read and delete every shared backup: give the cluster its own MinIO user limited to its prefix and its own item`,
            });
        }
        if (stubNamespaces.has(appNamespace(app)) && appNamespace(app) !== cfg.cnpg.namespace) {
            problems.push({
                key: `${at}.namespace`,
                value: appNamespace(app),
                message: `holds a global service of the infra stack "${stack}" (its ClusterMesh stub lives there); give the application its own namespace`,
            });
        }
        const projects = infra.harborProjects?.projects;
        if (app.harborProject && projects && !projects.includes(app.harborProject)) {
            problems.push({
                key: `${at}.harborProject`,
                value: app.harborProject,
                message: `is not a Harbor project of the infra stack "${stack}"; its projects: ${projects.join(", ") || "none"} (add it to platform:harborProjects on infra)`,
            });
        } else if (
            app.harborProject &&
            projects &&
            !Object.keys(infra.harborProjects?.robotItems ?? {}).some((k) =>
                k.startsWith(`${app.harborProject ?? ""}/`),
            )
        ) {
            problems.push({
                key: `${at}.harborProject`,
                value: app.harborProject,
                message: `has no robot item in the outputs of the infra stack "${stack}", so nothing can pull its images; give the project a robot with "pull" in platform:harborProjects on infra and run pulumi up there first`,
            });
        }
        const hp = infra.harborProjects;
        if (app.harborProject && hp) {
            const robots = Object.keys(hp.robotItems).filter((k) =>
                k.startsWith(`${app.harborProject ?? ""}/`),
            );
            if (robots.length > 0 && robots.every((k) => hp.pushRobots.includes(k))) {
                problems.push({
                    key: `${at}.harborProject`,
                    value: app.harborProject,
                    message: `has only robots that can push in the infra stack "${stack}" (${robots.join(", ")}); a pull secret comes from a pull-only robot: declare one first in the project's robots on infra`,
                });
            }
        }
        if (!app.tenant) return;
        const t = infra.tenants[app.tenant];
        if (!t) {
            problems.push({
                key: `${at}.tenant`,
                value: app.tenant,
                message: `is not a tenant of the infra stack "${stack}"; its tenants: ${known.join(", ") || "none (it exports no tenants)"}`,
            });
            return;
        }
        if (!t.global || !t.service || !t.namespace) {
            problems.push({
                key: `${at}.tenant`,
                value: app.tenant,
                message: `has no ClusterMesh global pooler in the infra stack "${stack}"; set pooler.enabled and pooler.global: true for tenant "${app.tenant}" in its platform:tenants and run pulumi up on infra first`,
            });
        }
        if (app.database && !t.databases.includes(app.database)) {
            problems.push({
                key: `${at}.database`,
                value: app.database,
                message: `is not a database of tenant "${app.tenant}"; its databases: ${t.databases.join(", ") || "none"}`,
            });
        }
        if (t.databases.length === 0 && !app.database) {
            problems.push({
                key: `${at}.tenant`,
                value: app.tenant,
                message: `exports no databases in the infra stack "${stack}"; set applications[${i}].database`,
            });
        }
        if (!t.password) {
            problems.push({
                key: `${at}.tenant`,
                value: app.tenant,
                message: `has no password output in the infra stack "${stack}" (tenants.${app.tenant}.password)`,
            });
        }
    });
    return problems;
}

/** Throws the ConfigError for infraProblems, if any. */
export function checkAgainstInfra(cfg: AppsStackConfig, infra: InfraView): void {
    const problems = infraProblems(cfg, infra);
    if (problems.length > 0) throw new ConfigError(problems);
}

/** Reads the infra outputs the apps stack uses, as plain values (secret ones included). */
export async function readInfraOutputs(
    ref: pulumi.StackReference,
): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
        INFRA_OUTPUT_NAMES.map(async (name) => {
            const details = await ref.getOutputDetails(name);
            return [name, (details.value ?? details.secretValue) as unknown] as const;
        }),
    );
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}
