/**
 * A co-located CloudNativePG cluster in an application's namespace (`<app>-postgres`): a generated
 * owner password (Kubernetes basic-auth Secret for `bootstrap.initdb` + 1Password item
 * `<itemPrefix>/cloudnative-pg/<app>`), the cluster's own MinIO credentials Secret for backups
 * (item `<itemPrefix>/cloudnative-pg/<app>-backup` by default, never the infra cluster's), the
 * plugin's `ObjectStore`, the `Cluster` (protected, waits for Ready, after the operator release)
 * and its `ScheduledBackup`. With `postgres.recovery`, a restored cluster beside it; on cut-over
 * the connection details follow it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { itemTitle, type OnePasswordConfig } from "../onepassword";
import { colocatedBackupItem, type ApplicationConfig } from "./config";
import { APPLICATION_LABEL, RESTORED_FROM_LABEL } from "../contract/names";
import { basicAuthSecret, generatedPassword } from "../credentials";
import { credentialItem } from "../onepassword";
import { cnpgClusterResources, objectStoreResource } from "../postgres/resources";
import { backupCredentialsSecret, recoverySourceResources } from "../postgres/backup";
import { buildObjectStoreSpec } from "../postgres/barman";
import { recoveryInstructions } from "../postgres/recovery";
import { recoveryBacksUp } from "../postgres/backup-config";
import { scheduledBackupSpecFor } from "../postgres/spec";
import {
    buildColocatedClusterSpec,
    buildColocatedRecoveredClusterSpec,
    buildColocatedScheduledBackupSpec,
    colocatedDatabase,
    colocatedDestination,
    colocatedNames,
    colocatedRecoveryPlan,
    colocatedServingCluster,
    serviceFqdn,
} from "./spec";

export interface ColocatedClusterArgs {
    app: ApplicationConfig;
    /** The application's index in platform:applications, for messages. */
    index?: number;
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Input<string>;
    /** The CNPG operator release (CRDs, webhook). */
    operator: pulumi.Resource;
    /** The Barman Cloud plugin release; absent = in-tree barmanObjectStore. */
    barmanPlugin?: pulumi.Resource;
    /** The application's namespace. */
    namespace: pulumi.Resource;
    /** CNPG's PodMonitor for the instances (the stack's alerts are on). */
    podMonitor?: boolean;
}

export class ColocatedCluster extends pulumi.ComponentResource {
    /** The cluster the application uses: the restored one after cut-over. */
    public readonly cluster: k8s.apiextensions.CustomResource;
    public readonly restored?: k8s.apiextensions.CustomResource;
    public readonly scheduledBackup?: k8s.apiextensions.CustomResource;
    public readonly password: pulumi.Output<string>;
    public readonly host: string;
    public readonly port = 5432;
    public readonly database: string;
    public readonly owner: string;

    constructor(name: string, args: ColocatedClusterArgs, opts: pulumi.ComponentResourceOptions) {
        super("platform:apps:ColocatedCluster", name, {}, opts);
        const app = args.app;
        const pg = app.postgres;
        if (!pg) throw new Error(`application ${app.name} has no postgres settings`);
        const names = colocatedNames(app);
        const { database, owner } = colocatedDatabase(app, pg);
        this.database = database;
        this.owner = owner;
        this.host = serviceFqdn(`${colocatedServingCluster(app)}-rw`, names.namespace);
        const k8sOpts = { parent: this };

        this.password = generatedPassword(`${names.cluster}-password`, this).value;
        const credentials = basicAuthSecret(
            names.credentialsSecret,
            { namespace: names.namespace, username: owner, password: this.password },
            { ...k8sOpts, dependsOn: [args.namespace] },
        );

        credentialItem(
            `${names.cluster}-owner`,
            {
                vault: args.vaultUuid,
                title: itemTitle(args.onepassword, `cloudnative-pg/${app.name}`),
                username: owner,
                password: this.password,
                section: "connection",
                fields: {
                    host: this.host,
                    port: String(this.port),
                    database,
                    sslmode: "require",
                },
            },
            { parent: this },
        );

        const plugin = args.barmanPlugin !== undefined;
        const dependsOn: pulumi.Resource[] = [args.operator, args.namespace, credentials];
        if (args.barmanPlugin) dependsOn.push(args.barmanPlugin);
        const destination = colocatedDestination(app);
        if (pg.backup && destination) {
            const secret = backupCredentialsSecret(
                {
                    name: names.backupSecret,
                    namespace: names.namespace,
                    credentials: { ...pg.backup.credentials, item: colocatedBackupItem(app) },
                    onepassword: args.onepassword,
                    vaultUuid: args.vaultUuid,
                },
                { ...k8sOpts, dependsOn: [args.namespace] },
            );
            dependsOn.push(secret);
            if (args.barmanPlugin) {
                dependsOn.push(
                    objectStoreResource(
                        {
                            name: names.objectStore,
                            namespace: names.namespace,
                            spec: buildObjectStoreSpec(destination, pg.backup.retentionPolicy),
                        },
                        { ...k8sOpts, dependsOn: [args.barmanPlugin, secret] },
                    ),
                );
            }
        }

        const scheduled = buildColocatedScheduledBackupSpec(app, plugin);
        const resources = cnpgClusterResources(
            {
                name: names.cluster,
                namespace: names.namespace,
                labels: { [APPLICATION_LABEL]: app.name },
                spec: buildColocatedClusterSpec(app, { plugin, podMonitor: args.podMonitor }),
                readyTimeoutSeconds: pg.readyTimeoutSeconds,
                scheduledBackup: scheduled
                    ? { name: names.scheduledBackup, spec: scheduled }
                    : undefined,
            },
            { ...k8sOpts, dependsOn },
        );
        this.cluster = resources.cluster;
        this.scheduledBackup = resources.scheduledBackup;

        const plan = colocatedRecoveryPlan(app);
        if (pg.recovery && pg.backup && plan) {
            const restoredDeps: pulumi.Resource[] = [...dependsOn];
            restoredDeps.push(
                ...recoverySourceResources(
                    {
                        plan,
                        namespace: names.namespace,
                        onepassword: args.onepassword,
                        vaultUuid: args.vaultUuid,
                        barmanPlugin: args.barmanPlugin,
                    },
                    { objects: k8sOpts, secret: { ...k8sOpts, dependsOn: [args.namespace] } },
                ),
            );
            const restored = cnpgClusterResources(
                {
                    name: plan.name,
                    namespace: names.namespace,
                    labels: {
                        [APPLICATION_LABEL]: app.name,
                        [RESTORED_FROM_LABEL]: plan.sourceServerName,
                    },
                    spec: buildColocatedRecoveredClusterSpec(app, plugin),
                    readyTimeoutSeconds: pg.readyTimeoutSeconds,
                    // A drill takes no base backups into the bucket unless asked.
                    scheduledBackup: recoveryBacksUp(pg.recovery)
                        ? {
                              name: plan.scheduledBackup,
                              spec: scheduledBackupSpecFor(plan.name, pg.backup, plugin),
                          }
                        : undefined,
                },
                { ...k8sOpts, dependsOn: restoredDeps },
            );
            this.restored = restored.cluster;
            if (pg.recovery.cutOver) this.cluster = restored.cluster;
            void pulumi.log.warn(
                recoveryInstructions({
                    current: names.cluster,
                    namespace: names.namespace,
                    plan,
                    cutOver: pg.recovery.cutOver,
                    backsUp: recoveryBacksUp(pg.recovery),
                    followers: `the connection Secret ${app.name}-database and the 1Password item cloudnative-pg/${app.name}`,
                    configKey: `platform:applications[${args.index ?? "?"}].postgres.recovery`,
                }),
                this,
            );
        }

        this.registerOutputs({
            cluster: colocatedServingCluster(app),
            namespace: names.namespace,
            host: this.host,
            database,
            owner,
            password: this.password,
        });
    }
}
