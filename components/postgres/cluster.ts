/**
 * The shared CloudNativePG cluster: superuser secret, backup credentials, the `Cluster` CR
 * (protected; Pulumi waits for its Ready condition), the `ScheduledBackup`, and the admin
 * endpoint the PostgreSQL provider connects through.
 */
import * as k8s from "@pulumi/kubernetes";
import * as onepassword from "@1password/pulumi-onepassword";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import {
    itemTitle,
    type OnePasswordConfig,
    type PostgresConfig,
    type TenantConfig,
} from "../config";
import { namespace } from "../namespace";
import { basicAuthSecret, generatedPassword } from "../credentials";
import { credentialItem } from "../onepassword";
import { backupCredentialsSecret } from "./backup";
import { cnpgClusterResources } from "./resources";
import { buildClusterSpec, buildScheduledBackupSpec, clusterNames } from "./spec";

export interface PostgresClusterArgs {
    config: PostgresConfig;
    tenants: TenantConfig[];
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Input<string>;
    /** The CNPG operator release: CRDs and webhook must exist before any CR. */
    operator: pulumi.Resource;
    /**
     * The cluster's namespace when something else creates it (the operator's, when they are the
     * same). Otherwise the component creates it, protected: it holds the cluster's volumes.
     */
    namespaceResource?: k8s.core.v1.Namespace;
    k8sProvider: k8s.Provider;
    opProvider: onepassword.Provider;
}

/** The role CNPG's poolers use to run auth_query; see PostgresCluster.poolerAuthRole. */
export const POOLER_AUTH_ROLE = "cnpg_pooler_pgbouncer";

export class PostgresCluster extends pulumi.ComponentResource {
    public readonly cluster: k8s.apiextensions.CustomResource;
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
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        this.name = pg.name;
        this.namespace = pg.namespace;
        this.rwHost = `${names.rw}.${pg.namespace}.svc`;
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
            { parent: this, provider: args.opProvider },
        );

        const dependsOn: pulumi.Resource[] = [args.operator, superuserSecret];
        if (pg.backup) {
            dependsOn.push(
                backupCredentialsSecret(
                    {
                        name: names.backupSecret,
                        namespace: pg.namespace,
                        backup: pg.backup,
                        onepassword: args.onepassword,
                        vaultUuid: args.vaultUuid,
                        opProvider: args.opProvider,
                    },
                    inNamespace,
                ),
            );
        }

        const scheduled = buildScheduledBackupSpec(pg);
        const resources = cnpgClusterResources(
            {
                name: pg.name,
                namespace: pg.namespace,
                spec: buildClusterSpec(pg, args.tenants),
                readyTimeoutSeconds: pg.readyTimeoutSeconds,
                scheduledBackup: scheduled
                    ? { name: names.scheduledBackup, spec: scheduled }
                    : undefined,
            },
            { ...k8sOpts, dependsOn },
        );
        this.cluster = resources.cluster;
        this.scheduledBackup = resources.scheduledBackup;

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
