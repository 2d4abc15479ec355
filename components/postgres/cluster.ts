/**
 * The shared CloudNativePG cluster: superuser secret, backup credentials, the plugin's
 * `ObjectStore` (or the in-tree barmanObjectStore), the `Cluster` CR (protected; Pulumi waits for
 * its Ready condition), the `ScheduledBackup`, and the admin endpoint the PostgreSQL provider
 * connects through. With `recovery`, a second Cluster restored from the backups, beside the
 * current one; on cut-over the tenants, the admin endpoint and the SQL provider move to it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { itemTitle, type OnePasswordConfig } from "../onepassword";
import { MAJOR_UPGRADE_ANNOTATIONS, type PostgresConfig, type TenantConfig } from "./config";
import { RESTORED_FROM_LABEL } from "../contract/names";
import { namespace } from "../namespace";
import { basicAuthSecret, generatedPassword } from "../credentials";
import { credentialItem } from "../onepassword";
import { backupCredentialsSecret, recoverySourceResources } from "./backup";
import { buildObjectStoreSpec } from "./barman";
import { recoveryInstructions } from "./recovery";
import { recoveryBacksUp } from "./backup-config";
import { cnpgClusterResources, objectStoreResource } from "./resources";
import {
    buildClusterSpec,
    buildRecoveredClusterSpec,
    buildScheduledBackupSpec,
    clusterNames,
    planRecovery,
    scheduledBackupSpecFor,
    sharedDestination,
} from "./spec";
import type { Topology } from "./topology";

export interface PostgresClusterArgs {
    config: PostgresConfig;
    tenants: TenantConfig[];
    /** The stack's model of which cluster serves (./topology.ts). */
    topology: Topology;
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Input<string>;
    /** The CNPG operator release: CRDs and webhook must exist before any CR. */
    operator: pulumi.Resource;
    /**
     * The Barman Cloud plugin release when the stack backs up through the plugin
     * (cnpg.barmanCloudPlugin.enabled); absent = in-tree barmanObjectStore.
     */
    barmanPlugin?: pulumi.Resource;
    /**
     * The cluster's namespace when something else creates it (the operator's, when they are the
     * same). Otherwise the component creates it, protected: it holds the cluster's volumes.
     */
    namespaceResource?: k8s.core.v1.Namespace;
}

/** The role CNPG's poolers use to run auth_query; see PostgresCluster.poolerAuthRole. */
export const POOLER_AUTH_ROLE = "cnpg_pooler_pgbouncer";

export class PostgresCluster extends pulumi.ComponentResource {
    /** The cluster the tenants use: the restored one after cut-over, else the configured one. */
    public readonly cluster: k8s.apiextensions.CustomResource;
    /** The configured cluster (`postgres.name`). */
    public readonly current: k8s.apiextensions.CustomResource;
    /** The cluster restored by `postgres.recovery`. */
    public readonly restored?: k8s.apiextensions.CustomResource;
    public readonly scheduledBackup?: k8s.apiextensions.CustomResource;
    public readonly superuserPassword: pulumi.Output<string>;
    /** PostgreSQL provider connected as the superuser through the admin endpoint. */
    public readonly sqlProvider: postgresql.Provider;
    /**
     * `cnpg_pooler_pgbouncer`, created here rather than left to the operator: CNPG creates it
     * asynchronously once a Pooler exists, and the tenants' `GRANT CONNECT` to it must not race
     * that. CNPG finds the role present and only adds its grants and `user_search` function.
     */
    public readonly poolerAuthRole: postgresql.Role;
    public readonly rwHost: string;
    public readonly namespace: string;
    /** The namespace object every namespaced child waits for. */
    public readonly namespaceResource: k8s.core.v1.Namespace;
    public readonly name: string;

    constructor(name: string, args: PostgresClusterArgs, opts: pulumi.ComponentResourceOptions) {
        super("platform:postgres:Cluster", name, {}, opts);
        const pg = args.config;
        const names = clusterNames(pg);
        const k8sOpts = { parent: this };
        const topo = args.topology;
        this.name = topo.serving.name;
        this.namespace = pg.namespace;
        this.rwHost = topo.serving.rwHost;
        this.namespaceResource =
            args.namespaceResource ?? namespace(pg.namespace, "baseline", true, k8sOpts);
        const inNamespace = { ...k8sOpts, dependsOn: [this.namespaceResource] };

        this.superuserPassword = generatedPassword(names.superuserSecret, this).value;
        const superuserSecret = basicAuthSecret(
            names.superuserSecret,
            { namespace: pg.namespace, username: "postgres", password: this.superuserPassword },
            inNamespace,
        );

        credentialItem(
            names.superuserSecret,
            {
                vault: args.vaultUuid,
                title: itemTitle(args.onepassword, "cloudnative-pg/superuser"),
                username: "postgres",
                password: this.superuserPassword,
                section: "connection",
                fields: {
                    host: pg.admin.host,
                    port: String(pg.admin.port),
                    database: "postgres",
                    sslmode: pg.admin.sslmode,
                },
            },
            { parent: this },
        );

        const plugin = args.barmanPlugin !== undefined;
        const dependsOn: pulumi.Resource[] = [args.operator, superuserSecret];
        if (args.barmanPlugin) dependsOn.push(args.barmanPlugin);
        if (pg.backup) {
            const secret = backupCredentialsSecret(
                {
                    name: names.backupSecret,
                    namespace: pg.namespace,
                    credentials: pg.backup.credentials,
                    onepassword: args.onepassword,
                    vaultUuid: args.vaultUuid,
                },
                inNamespace,
            );
            dependsOn.push(secret);
            if (args.barmanPlugin) {
                dependsOn.push(
                    objectStoreResource(
                        {
                            name: names.objectStore,
                            namespace: pg.namespace,
                            spec: buildObjectStoreSpec(
                                sharedDestination(pg, pg.backup),
                                pg.backup.retentionPolicy,
                            ),
                        },
                        { ...k8sOpts, dependsOn: [args.barmanPlugin, secret] },
                    ),
                );
            }
        }

        const scheduled = buildScheduledBackupSpec(pg, plugin);
        const resources = cnpgClusterResources(
            {
                name: pg.name,
                namespace: pg.namespace,
                ...(pg.majorUpgrade
                    ? {
                          annotations: {
                              [MAJOR_UPGRADE_ANNOTATIONS.fromMajor]: String(
                                  pg.majorUpgrade.fromMajor,
                              ),
                              [MAJOR_UPGRADE_ANNOTATIONS.baseBackup]: pg.majorUpgrade.baseBackup,
                          },
                      }
                    : {}),
                spec: buildClusterSpec(pg, args.tenants, {
                    plugin,
                    ...(pg.backup?.serverName ? { serverName: pg.backup.serverName } : {}),
                    // On cut-over the admin LoadBalancer (one name, one IP) moves to the restored cluster.
                    adminService: !pg.recovery?.cutOver,
                }),
                readyTimeoutSeconds: pg.readyTimeoutSeconds,
                scheduledBackup: scheduled
                    ? { name: names.scheduledBackup, spec: scheduled }
                    : undefined,
            },
            { ...k8sOpts, dependsOn },
        );
        this.current = resources.cluster;
        this.scheduledBackup = resources.scheduledBackup;
        this.cluster = this.current;

        const recovery = pg.recovery;
        if (recovery && pg.backup) {
            const plan = planRecovery(
                recovery,
                sharedDestination(pg, pg.backup),
                names.objectStore,
                pg.backup.serverName ?? pg.name,
            );
            // After the current cluster: its update releases the admin Service on cut-over. CNPG
            // 1.30.0, as 1.26.1 (internal/controller/cluster_create.go, reconcileManagedServices
            // and serviceReconciler) deletes a managed Service that left a cluster's spec and
            // refuses to reconcile one another cluster owns, so the restored cluster takes it over
            // once the old one let it go.
            const restoredDeps: pulumi.Resource[] = [...dependsOn, this.current];
            restoredDeps.push(
                ...recoverySourceResources(
                    {
                        plan,
                        namespace: pg.namespace,
                        onepassword: args.onepassword,
                        vaultUuid: args.vaultUuid,
                        barmanPlugin: args.barmanPlugin,
                    },
                    { objects: k8sOpts, secret: inNamespace },
                ),
            );
            const restored = cnpgClusterResources(
                {
                    name: plan.name,
                    namespace: pg.namespace,
                    labels: { [RESTORED_FROM_LABEL]: plan.sourceServerName },
                    spec: buildRecoveredClusterSpec(pg, args.tenants, plugin),
                    readyTimeoutSeconds: pg.readyTimeoutSeconds,
                    // A drill takes no base backups into the bucket unless asked.
                    scheduledBackup: recoveryBacksUp(recovery)
                        ? {
                              name: plan.scheduledBackup,
                              spec: scheduledBackupSpecFor(plan.name, pg.backup, plugin),
                          }
                        : undefined,
                },
                { ...k8sOpts, dependsOn: restoredDeps },
            );
            this.restored = restored.cluster;
            if (topo.serving.name === plan.name) this.cluster = restored.cluster;
            void pulumi.log.warn(
                recoveryInstructions({
                    current: pg.name,
                    namespace: pg.namespace,
                    plan,
                    cutOver: recovery.cutOver,
                    backsUp: recoveryBacksUp(recovery),
                    followers:
                        `the poolers (${topo.poolers
                            .map((p) => p.name)
                            .join(", ")}; applications behind them keep their hostnames), ` +
                        "the admin LoadBalancer and the SQL provider",
                    configKey: "platform:postgres.recovery",
                }),
                this,
            );
        }

        this.sqlProvider = new postgresql.Provider(
            pg.name,
            {
                host: pg.admin.host,
                port: pg.admin.port,
                username: "postgres",
                password: this.superuserPassword,
                database: "postgres",
                sslmode: pg.admin.sslmode,
                sslrootcert: pg.admin.sslrootcert,
                superuser: true,
                connectTimeout: 30,
            },
            { parent: this, dependsOn: [this.cluster] },
        );

        this.poolerAuthRole = new postgresql.Role(
            POOLER_AUTH_ROLE,
            { name: POOLER_AUTH_ROLE, login: true, skipDropRole: true, skipReassignOwned: true },
            { parent: this, provider: this.sqlProvider, dependsOn: [this.cluster] },
        );

        this.registerOutputs({
            name: this.name,
            namespace: this.namespace,
            rwHost: this.rwHost,
            superuserPassword: this.superuserPassword,
        });
    }
}
