/**
 * What each stack builds, chosen by `platform:role` (not by the stack's name, so that
 * `infra-staging` works too). Returns the stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatProblem, type PlatformConfig } from "./config";
import { adminHostWarnings } from "./postgres/access-config";
import { buildInfraOutputs } from "./contract/infra-outputs-build";
import type { WrittenInfraOutputs } from "./contract/infra-outputs";
import { CnpgOperator } from "./cnpg/operator";
import { BarmanCloudPlugin } from "./cnpg/barman-plugin";
import { vaultUuid } from "./onepassword";
import { PostgresCluster } from "./postgres/cluster";
import { Tenant } from "./postgres/tenant";
import { createProviders, type Providers } from "./providers";
import { enableTakeover } from "./takeover/adopt";
import { buildRegistry } from "./registry";
import { Alerts } from "./monitoring/component";
import { buildPrometheusRules } from "./monitoring/rules";
import { buildExporter, exporterPlan } from "./monitoring/exporter";
import { BackupExporter } from "./monitoring/exporter-component";
import { NetworkPolicies } from "./network/component";
import { buildNetworkPolicies } from "./network/policies";
import { buildSystemPolicies } from "./network/system-policies";
import { buildAppsNetworkPolicies } from "./network/apps-policies";
import { sharedTopology } from "./postgres/topology";
import { Application } from "./apps/application";
import { ClusterMeshStubs } from "./apps/clustermesh";
import { colocatedServingCluster, connectionSecretName } from "./apps/spec";
import { qualifiedInfraStack } from "./apps/config";
import {
    checkAgainstInfra,
    globalServices,
    parseInfraOutputs,
    readInfraOutputs,
    tenantConnection,
    pullRobotItem,
} from "./apps/infra";

export type StackOutputs = Record<string, unknown>;

/**
 * The options every top-level component gets: the stack's explicit Kubernetes and 1Password
 * providers. A child registered with `parent` inherits its parent's providers by package
 * (@pulumi/pulumi 3.270.0 resource.js, Resource constructor: `opts.provider`, else the package's
 * entry in `opts.providers`, else `parent.getProvider(type)`), so no component passes them by hand.
 */
export function stackProviders(providers: Providers): { providers: pulumi.ProviderResource[] } {
    return { providers: [providers.k8s, providers.onepassword] };
}

export function buildStack(cfg: PlatformConfig): StackOutputs {
    return cfg.role === "infra" ? buildInfra(cfg) : buildApps(cfg);
}

export function buildInfra(cfg: PlatformConfig): WrittenInfraOutputs {
    const pg = cfg.postgres;
    if (!pg) throw new Error("platform:postgres is required on infra (validated earlier)");
    for (const warning of adminHostWarnings(pg)) void pulumi.log.warn(formatProblem(warning));
    const providers = createProviders(cfg);
    const vault = vaultUuid(cfg.onepassword.vault, providers.onepassword);
    enableTakeover(cfg.takeover, vault, providers.onepassword, providers.k8s);
    // Every component gets the stack's explicit providers on its options; its children inherit them.
    const withProviders = stackProviders(providers);

    const operator = new CnpgOperator(
        "cnpg",
        { config: cfg.cnpg, namespaceHoldsData: pg.namespace === cfg.cnpg.namespace },
        withProviders,
    );
    const barmanPlugin = barmanCloudPlugin(cfg, operator, withProviders);
    // Which cluster serves, what each pooler targets, the hosts: computed once, read by the
    // cluster, the tenants, the policies, the alerts and the outputs.
    const topology = sharedTopology(pg, cfg.tenants);

    const shared = new PostgresCluster(
        pg.name,
        {
            config: pg,
            tenants: cfg.tenants,
            topology,
            onepassword: cfg.onepassword,
            vaultUuid: vault,
            operator: operator.release,
            barmanPlugin,
            namespaceResource: pg.namespace === cfg.cnpg.namespace ? operator.namespace : undefined,
        },
        withProviders,
    );

    const tenants = cfg.tenants.map(
        (t) =>
            new Tenant(
                t.name,
                {
                    tenant: t,
                    postgres: pg,
                    topology,
                    onepassword: cfg.onepassword,
                    vaultUuid: vault,
                    namespace: shared.namespaceResource,
                    cluster: shared.cluster,
                    operator: operator.release,
                    poolerAuthRole: shared.poolerAuthRole,
                },
                // The tenant's roles, databases and grants go through the cluster's SQL provider.
                { providers: [...withProviders.providers, shared.sqlProvider] },
            ),
    );

    const policyList = buildNetworkPolicies(cfg, topology);
    buildRegistry(cfg, { policies: policyList, vaultUuid: vault, tenants }, withProviders);

    // The shared cluster's namespace; Dragonfly's and Harbor's policies live in their components.
    const policies = policyList.filter((p) => p.namespace === pg.namespace);
    if (policies.length > 0) {
        new NetworkPolicies(
            "platform-network",
            { policies, namespace: shared.namespaceResource },
            withProviders,
        );
    }

    // The operator's, the plugin's and the backup-metrics exporter's.
    const system = buildSystemPolicies(cfg);
    if (system.length > 0) {
        new NetworkPolicies(
            "platform-network-system",
            {
                policies: system,
                namespaces: {
                    [cfg.cnpg.namespace]: operator.namespace,
                    [pg.namespace]: shared.namespaceResource,
                },
            },
            withProviders,
        );
    }

    const rules = buildPrometheusRules(cfg, topology);
    if (rules.length > 0) {
        new Alerts(
            "platform-alerts",
            { rules, namespaces: { [pg.namespace]: shared.namespaceResource } },
            withProviders,
        );
    }
    backupExporter(
        cfg,
        { [cfg.cnpg.namespace]: operator.namespace, [pg.namespace]: shared.namespaceResource },
        [operator.release, barmanPlugin],
        withProviders,
    );

    const passwords = new Map(cfg.tenants.map((t, i) => [t.name, tenants[i]?.password]));
    return buildInfraOutputs(
        cfg,
        (name) => {
            const password = passwords.get(name);
            if (!password) throw new Error(`tenant ${name} has no Tenant component`);
            return password;
        },
        topology,
    );
}

/** The backup-metrics exporter, when this stack has one (monitoring.alerts.backupExporter). */
function backupExporter(
    cfg: PlatformConfig,
    namespaces: Record<string, pulumi.Resource>,
    after: (pulumi.Resource | undefined)[],
    opts: pulumi.ComponentResourceOptions,
): void {
    const plan = exporterPlan(cfg);
    if (!plan) return;
    new BackupExporter(
        "backup-metrics",
        {
            objects: buildExporter(plan),
            namespace: plan.namespace,
            namespaceResource: namespaces[plan.namespace],
            watchNamespaces: Object.fromEntries(
                plan.watchNamespaces.map((ns) => [ns, namespaces[ns]]),
            ),
            after: after.filter((r): r is pulumi.Resource => r !== undefined),
            serviceMonitorLabels: plan.config.labels,
        },
        opts,
    );
}

/**
 * The Barman Cloud plugin in the operator's namespace, when the stack backs up through it
 * (`cnpg.barmanCloudPlugin.enabled`, the one switch); undefined = in-tree barmanObjectStore.
 */
function barmanCloudPlugin(
    cfg: PlatformConfig,
    operator: CnpgOperator,
    opts: pulumi.ComponentResourceOptions,
): pulumi.Resource | undefined {
    if (!cfg.cnpg.barmanCloudPlugin.enabled) return undefined;
    return new BarmanCloudPlugin(
        "barman-cloud",
        {
            config: cfg.cnpg.barmanCloudPlugin,
            namespace: operator.namespaceName,
            operator: operator.release,
            namespaceResource: operator.namespace,
        },
        opts,
    ).release;
}

/**
 * The apps cluster: the CNPG operator (for co-located clusters), the infra stack's outputs through
 * a StackReference, ClusterMesh stubs for the infra's global services, and the applications.
 *
 * The infra outputs are read as plain values before the stubs and applications are registered
 * (see components/apps/infra.ts), so that resource names come from known values and a mismatch
 * (unknown tenant, missing global pooler, unknown database) fails with one clear message.
 */
export function buildApps(cfg: PlatformConfig): StackOutputs {
    if (!cfg.infraStack)
        throw new Error("platform:infraStack is required on apps (validated earlier)");
    const infraStack = qualifiedInfraStack(
        cfg.infraStack,
        pulumi.getOrganization(),
        pulumi.getProject(),
    );
    const providers = createProviders(cfg);
    const vault = vaultUuid(cfg.onepassword.vault, providers.onepassword);
    enableTakeover(cfg.takeover, vault, providers.onepassword, providers.k8s);
    const withProviders = stackProviders(providers);
    const operator = new CnpgOperator(
        "cnpg",
        {
            config: cfg.cnpg,
            namespaceHoldsData: false,
        },
        withProviders,
    );
    const barmanPlugin = barmanCloudPlugin(cfg, operator, withProviders);
    const infraRef = new pulumi.StackReference(infraStack);

    const built = readInfraOutputs(infraRef).then((raw) => {
        const infra = parseInfraOutputs(raw, infraStack);
        checkAgainstInfra({ ...cfg, infraStack }, infra);
        const harborHost = infra.harborHostname ?? cfg.harborHostname;
        const stubs = globalServices(infra);
        new ClusterMeshStubs(
            "clustermesh",
            {
                services: stubs,
                existingNamespaces: { [operator.namespaceName]: operator.namespace },
            },
            withProviders,
        );
        const apps = cfg.applications.map((app, index) => {
            const t = app.tenant ? infra.tenants[app.tenant] : undefined;
            return new Application(
                app.name,
                {
                    app,
                    index,
                    harborHost,
                    robotItem: app.harborProject
                        ? pullRobotItem(infra, app.harborProject)
                        : undefined,
                    onepassword: cfg.onepassword,
                    vaultUuid: vault,
                    tenant: t
                        ? tenantConnection(t, app.database ?? t.databases[0] ?? "")
                        : undefined,
                    operator: operator.release,
                    barmanPlugin,
                    podMonitor: cfg.monitoring.alerts.enabled,
                },
                withProviders,
            );
        });
        // The co-located clusters' alerts and, on the plugin, their backup-metrics exporter.
        const namespaces: Record<string, pulumi.Resource> = {
            [operator.namespaceName]: operator.namespace,
            ...Object.fromEntries(apps.map((a) => [a.namespaceName, a.namespace])),
        };
        const rules = buildPrometheusRules(cfg);
        if (rules.length > 0) {
            new Alerts("platform-alerts", { rules, namespaces }, withProviders);
        }
        // The co-located clusters' policies, each after its application's namespace.
        const policies = buildAppsNetworkPolicies(cfg);
        if (policies.length > 0) {
            new NetworkPolicies("platform-network", { policies, namespaces }, withProviders);
        }
        // The operator's, the plugin's and the backup-metrics exporter's, as on infra.
        const system = buildSystemPolicies(cfg);
        if (system.length > 0) {
            new NetworkPolicies(
                "platform-network-system",
                { policies: system, namespaces },
                withProviders,
            );
        }
        backupExporter(cfg, namespaces, [operator.release, barmanPlugin], withProviders);
        return {
            harborHostname: harborHost,
            clusterMeshStubs: stubs.map((s) => `${s.namespace}/${s.name}`),
            applications: Object.fromEntries(
                apps.map((a, i) => {
                    const app = cfg.applications[i];
                    return [
                        app?.name ?? String(i),
                        {
                            namespace: a.namespaceName,
                            pullSecret: a.pullSecret && app ? app.pullSecret.name : null,
                            connectionSecret:
                                a.connectionSecret && app ? connectionSecretName(app) : null,
                            postgresCluster:
                                a.postgres && app ? colocatedServingCluster(app) : null,
                        },
                    ];
                }),
            ),
        };
    });
    const out = pulumi.output(built);
    return {
        role: cfg.role,
        cnpgNamespace: operator.namespaceName,
        onepasswordVault: pulumi.output(cfg.onepassword.vault),
        infraStack,
        harborHostname: out.harborHostname,
        clusterMeshStubs: out.clusterMeshStubs,
        applications: out.applications,
    };
}
