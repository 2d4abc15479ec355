/**
 * The infra stack's outputs computed from its config: what `buildInfra` returns (with the tenants'
 * generated passwords) and what the offline render hands the apps stack when it has no infra
 * outputs (with placeholder passwords). Pure; typed against the contract
 * (components/contract/infra-outputs.ts), so a key renamed there fails here.
 */
import type * as pulumi from "@pulumi/pulumi";
import { dragonflyAddress, type DragonflyConfig } from "../dragonfly/config";
import { HARBOR_TENANT, type HarborConfig } from "../harbor/config";
import { itemTitle, type OnePasswordConfig } from "../onepassword";
import type { PostgresConfig, TenantConfig } from "../postgres/config";
import { dragonflyFreeDatabases } from "../dragonfly/spec";
import { harborRedisIndexes } from "../harbor/config";
import { pushRobots, type HarborProjectsConfig } from "../harbor/projects";
import { sharedTopology, tenantEndpoint, type Topology } from "../postgres/topology";
import type { TenantOutput, Written, WrittenInfraOutputs } from "./infra-outputs";
import { robotItemName, tenantItemName } from "./names";

/** A tenant's generated password (an Output on infra, a placeholder in the render). */
export type TenantPassword = (tenant: string) => pulumi.Input<string>;

/** The settings the infra outputs are computed from (the infra stack's config has them). */
export interface InfraOutputsStackConfig {
    postgres?: PostgresConfig;
    tenants: TenantConfig[];
    onepassword: OnePasswordConfig;
    dragonfly?: DragonflyConfig;
    harbor?: HarborConfig;
    harborProjects?: HarborProjectsConfig;
}

export function buildInfraOutputs(
    cfg: InfraOutputsStackConfig,
    tenantPassword: TenantPassword,
    topology?: Topology,
): WrittenInfraOutputs {
    const pg = cfg.postgres;
    if (!pg) throw new Error("platform:postgres is required on infra (validated earlier)");
    const topo = topology ?? sharedTopology(pg, cfg.tenants);
    const out: WrittenInfraOutputs = {
        role: "infra",
        postgres: {
            cluster: topo.serving.name,
            namespace: pg.namespace,
            rwHost: topo.serving.rwHost,
            superuserItem: `${cfg.onepassword.itemPrefix}/cloudnative-pg/superuser`,
            // The apps stack refuses a co-located cluster that names these credentials.
            backupItem: pg.backup
                ? itemTitle(cfg.onepassword, pg.backup.credentials.item)
                : undefined,
        },
        tenants: Object.fromEntries(
            cfg.tenants.map((t) => {
                const endpoint = tenantEndpoint(topo, t.name);
                const global = endpoint.pooler?.global === true;
                const tenant: Written<TenantOutput> = {
                    host: endpoint.host,
                    port: 5432,
                    role: t.role,
                    databases: t.databases.map((d) => d.name),
                    poolMode: t.pooler.enabled ? t.pooler.poolMode : undefined,
                    item: itemTitle(cfg.onepassword, tenantItemName(t.name)),
                    // Only tenants the apps cluster can reach (global pooler) need their
                    // password in the outputs; the others stay in 1Password only.
                    password: global ? tenantPassword(t.name) : undefined,
                    // What the apps stack needs to reach the tenant over ClusterMesh: the
                    // pooler Service, its namespace, whether it is global, the sslmode.
                    global,
                    service: endpoint.service,
                    namespace: pg.namespace,
                    sslmode: t.sslmode,
                };
                return [t.name, tenant];
            }),
        ),
    };
    const df = cfg.dragonfly;
    if (!df) return out;
    const managed = df.mode === "managed" ? df : undefined;
    out.dragonfly = {
        address: dragonflyAddress(df),
        // What the apps stack needs for its ClusterMesh stub (components/apps/infra.ts).
        service: managed?.name,
        namespace: managed?.namespace,
        global: managed?.global ?? false,
        port: 6379,
        // No password: clients read it from the 1Password item below (or the Secret in the
        // instance's namespace); the apps stack does not need it.
        freeDatabases: dragonflyFreeDatabases(cfg.harbor ? harborRedisIndexes(cfg.harbor) : []),
        item: itemTitle(cfg.onepassword, df.mode === "managed" ? df.authItem : df.passwordItem),
    };
    const harbor = cfg.harbor;
    if (!harbor || !cfg.tenants.some((t) => t.name === HARBOR_TENANT)) return out;
    out.harbor = {
        url: harbor.externalURL,
        hostname: harbor.hostname,
        // The admin password stays in 1Password (item harbor-core); it is not a stack output.
        adminItem: itemTitle(cfg.onepassword, "harbor-core", true),
    };
    const hp = cfg.harborProjects;
    if (!hp) return out;
    out.harborProjects = {
        projects: hp.projects.map((p) => p.name),
        // The project's first robot is the one the apps stack reads (seed: harbor-robot-synergyflow).
        robotItems: Object.fromEntries(
            hp.projects.flatMap((p) =>
                p.robots.map((r, i) => [
                    `${p.name}/${r.name}`,
                    itemTitle(
                        cfg.onepassword,
                        robotItemName(p.name, i === 0 ? undefined : r.name),
                        true,
                    ),
                ]),
            ),
        ),
        pushRobots: pushRobots(hp),
    };
    return out;
}
