/**
 * What each stack builds, chosen by `platform:role` (not by the stack's name, so that
 * `infra-staging` works too). Returns the stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "./config";
import { CnpgOperator } from "./cnpg/operator";
import { vaultUuid } from "./onepassword";
import { PostgresCluster } from "./postgres/cluster";
import { Tenant } from "./postgres/tenant";
import { createProviders } from "./providers";

export type StackOutputs = Record<string, unknown>;

export function buildStack(cfg: PlatformConfig): StackOutputs {
    return cfg.role === "infra" ? buildInfra(cfg) : buildApps(cfg);
}

export function buildInfra(cfg: PlatformConfig): StackOutputs {
    const pg = cfg.postgres;
    if (!pg) throw new Error("platform:postgres is required on infra (validated earlier)");
    const providers = createProviders(cfg);
    const vault = vaultUuid(cfg.onepassword.vault, providers.onepassword);

    const operator = new CnpgOperator(
        "cnpg",
        { config: cfg.cnpg, namespaceHoldsData: pg.namespace === cfg.cnpg.namespace },
        { providers: [providers.k8s] },
    );

    const shared = new PostgresCluster(
        pg.name,
        {
            config: pg,
            tenants: cfg.tenants,
            onepassword: cfg.onepassword,
            vaultUuid: vault,
            operator: operator.release,
            k8sProvider: providers.k8s,
            opProvider: providers.onepassword,
        },
        { dependsOn: pg.namespace === cfg.cnpg.namespace ? [operator] : [] },
    );

    const tenants = cfg.tenants.map(
        (t) =>
            new Tenant(
                t.name,
                {
                    tenant: t,
                    postgres: pg,
                    onepassword: cfg.onepassword,
                    vaultUuid: vault,
                    cluster: shared.cluster,
                    operator: operator.release,
                    poolerAuthRole: shared.poolerAuthRole,
                    sqlProvider: shared.sqlProvider,
                    k8sProvider: providers.k8s,
                    opProvider: providers.onepassword,
                },
                {},
            ),
    );

    return {
        role: cfg.role,
        postgres: {
            cluster: pg.name,
            namespace: pg.namespace,
            rwHost: shared.rwHost,
            superuserItem: `${cfg.onepassword.itemPrefix}/cloudnative-pg/superuser`,
        },
        tenants: Object.fromEntries(
            tenants.map((t, i) => {
                const tc = cfg.tenants[i];
                return [
                    tc?.name ?? String(i),
                    {
                        host: t.host,
                        port: t.port,
                        role: tc?.role,
                        databases: tc?.databases.map((d) => d.name),
                        poolMode: tc?.pooler.enabled ? tc.pooler.poolMode : undefined,
                        item: `${cfg.onepassword.itemPrefix}/cloudnative-pg/${tc?.name ?? ""}`,
                        password: t.password,
                    },
                ];
            }),
        ),
    };
}

export function buildApps(cfg: PlatformConfig): StackOutputs {
    const providers = createProviders(cfg);
    const operator = new CnpgOperator(
        "cnpg",
        { config: cfg.cnpg, namespaceHoldsData: false },
        { providers: [providers.k8s] },
    );
    return {
        role: cfg.role,
        cnpgNamespace: operator.namespaceName,
        onepasswordVault: pulumi.output(cfg.onepassword.vault),
    };
}
