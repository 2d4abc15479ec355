/**
 * A co-located CloudNativePG cluster in an application's namespace (`<app>-postgres`): a generated
 * owner password (Kubernetes basic-auth Secret for `bootstrap.initdb` + 1Password item
 * `<itemPrefix>/cloudnative-pg/<app>`), the MinIO credentials Secret for backups, the `Cluster`
 * (protected, waits for Ready, after the operator release) and its `ScheduledBackup`.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { itemTitle, type ApplicationConfig, type OnePasswordConfig } from "../config";
import { basicAuthSecret, generatedPassword } from "../credentials";
import { credentialItem } from "../onepassword";
import { cnpgClusterResources } from "../postgres/resources";
import { backupCredentialsSecret } from "../postgres/backup";
import {
    buildColocatedClusterSpec,
    buildColocatedScheduledBackupSpec,
    colocatedDatabase,
    colocatedNames,
    serviceFqdn,
} from "./spec";

export interface ColocatedClusterArgs {
    app: ApplicationConfig;
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Input<string>;
    /** The CNPG operator release (CRDs, webhook). */
    operator: pulumi.Resource;
    /** The application's namespace. */
    namespace: pulumi.Resource;
    k8sProvider: k8s.Provider;
    opProvider: onepassword.Provider;
}

export class ColocatedCluster extends pulumi.ComponentResource {
    public readonly cluster: k8s.apiextensions.CustomResource;
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
        this.host = serviceFqdn(names.rw, names.namespace);
        const k8sOpts = { parent: this, provider: args.k8sProvider };

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
            { parent: this, provider: args.opProvider },
        );

        const dependsOn: pulumi.Resource[] = [args.operator, args.namespace, credentials];
        if (pg.backup) {
            dependsOn.push(
                backupCredentialsSecret(
                    {
                        name: names.backupSecret,
                        namespace: names.namespace,
                        backup: pg.backup,
                        onepassword: args.onepassword,
                        vaultUuid: args.vaultUuid,
                        opProvider: args.opProvider,
                    },
                    { ...k8sOpts, dependsOn: [args.namespace] },
                ),
            );
        }

        const scheduled = buildColocatedScheduledBackupSpec(app);
        const resources = cnpgClusterResources(
            {
                name: names.cluster,
                namespace: names.namespace,
                labels: { "platform.monosense.io/application": app.name },
                spec: buildColocatedClusterSpec(app),
                readyTimeoutSeconds: pg.readyTimeoutSeconds,
                scheduledBackup: scheduled
                    ? { name: names.scheduledBackup, spec: scheduled }
                    : undefined,
            },
            { ...k8sOpts, dependsOn },
        );
        this.cluster = resources.cluster;
        this.scheduledBackup = resources.scheduledBackup;

        this.registerOutputs({
            cluster: names.cluster,
            namespace: names.namespace,
            host: this.host,
            database,
            owner,
            password: this.password,
        });
    }
}
