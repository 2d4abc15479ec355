/**
 * The infra stack's registry half: Dragonfly, Harbor on the Harbor tenant's pooler and on
 * Dragonfly, and Harbor's configuration as code (projects, robots → 1Password, GC schedule).
 */
import * as pulumi from "@pulumi/pulumi";
import { HARBOR_TENANT, itemTitle, type PlatformConfig } from "./config";
import { Dragonfly } from "./dragonfly/component";
import { Harbor } from "./harbor/component";
import { harborRedisIndexes } from "./harbor/config";
import { robotItemName } from "./contract/names";
import { HarborConfig } from "./harbor-api";
import { credentialItem } from "./onepassword";
import type { Tenant } from "./postgres/tenant";
import type { CiliumPolicy } from "./network/cilium";

export interface RegistryContext {
    /** The stack's network policies (components/network/policies.ts); Dragonfly's are among them. */
    policies: CiliumPolicy[];
    vaultUuid: pulumi.Input<string>;
    tenants: Tenant[];
}

/** Dragonfly, Harbor and Harbor's configuration; `opts` carries the stack's providers. */
export function buildRegistry(
    cfg: PlatformConfig,
    ctx: RegistryContext,
    opts: pulumi.ComponentResourceOptions,
): void {
    const policies = ctx.policies;
    const policyIn = (ns: string | undefined) => policies.find((p) => p.namespace === ns);
    let dragonfly: Dragonfly | undefined;
    if (cfg.dragonfly) {
        dragonfly = new Dragonfly(
            cfg.dragonfly.mode === "managed" ? cfg.dragonfly.name : "dragonfly",
            {
                config: cfg.dragonfly,
                onepassword: cfg.onepassword,
                vaultUuid: ctx.vaultUuid,
                usedDatabases: cfg.harbor ? harborRedisIndexes(cfg.harbor) : [],
                clientPolicy:
                    cfg.dragonfly.mode === "managed"
                        ? policyIn(cfg.dragonfly.namespace)
                        : undefined,
            },
            opts,
        );
    }
    if (!cfg.harbor || !dragonfly) return;

    const tenantIndex = cfg.tenants.findIndex((t) => t.name === HARBOR_TENANT);
    const tenantCfg = cfg.tenants[tenantIndex];
    const tenant = ctx.tenants[tenantIndex];
    if (!tenantCfg || !tenant)
        throw new Error(`platform:tenants needs "${HARBOR_TENANT}" (validated earlier)`);

    const harbor = new Harbor(
        "harbor",
        {
            config: cfg.harbor,
            onepassword: cfg.onepassword,
            vaultUuid: ctx.vaultUuid,
            database: {
                host: tenant.host,
                user: tenantCfg.role,
                name: tenantCfg.databases[0]?.name ?? "",
                password: tenant.password,
            },
            redis: { address: dragonfly.address, password: dragonfly.password },
            credentialsRevision: `db=${tenantCfg.passwordRotation ?? "0"},redis=${
                (cfg.dragonfly?.mode === "managed" ? cfg.dragonfly.passwordRotation : undefined) ??
                "0"
            }`,
            dependsOn: [
                ...tenant.ready,
                ...(tenant.pooler ? [tenant.pooler] : []),
                ...dragonfly.ready,
            ],
            networkPolicy: policyIn(cfg.harbor.namespace),
        },
        opts,
    );
    const hp = cfg.harborProjects;
    if (hp) {
        const configuration = new HarborConfig(
            "harbor",
            {
                apiUrl: hp.apiUrl ?? `${cfg.harbor.externalURL.replace(/\/$/, "")}/api/v2.0`,
                username: "admin",
                password: harbor.adminPassword,
                projects: hp.projects,
                gc: hp.gc,
                imports: hp.imports,
                waitForApi: {
                    timeoutSeconds: hp.apiWaitSeconds,
                    after: [harbor.release.id, harbor.route.id],
                },
            },
            // Harbor's API is reached at externalURL, through the route.
            { ...opts, dependsOn: [harbor.release, harbor.route] },
        );
        for (const project of hp.projects) {
            project.robots.forEach((robot, i) => {
                const out = configuration.robots[`${project.name}/${robot.name}`];
                if (!out) return;
                // The project's first robot is the one the apps stack reads (seed: harbor-robot-synergyflow).
                const name = robotItemName(project.name, i === 0 ? undefined : robot.name);
                const title = itemTitle(cfg.onepassword, name, true);
                credentialItem(
                    name,
                    {
                        vault: ctx.vaultUuid,
                        title,
                        username: out.fullName,
                        password: out.secret,
                        section: "harbor",
                        fields: { registry: harbor.hostname, project: project.name },
                    },
                    { parent: configuration },
                );
            });
        }
    }
}
