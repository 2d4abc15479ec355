/**
 * One application namespace on the apps cluster and what it needs from the infra platform:
 *
 * - the namespace, with Pod Security Admission labels;
 * - `harbor-pull`, a `kubernetes.io/dockerconfigjson` Secret built from the Harbor project's robot
 *   account (the 1Password item the infra stack exports for the project's first robot, by default
 *   `harbor-robot-<project>`), set as the `default` ServiceAccount's
 *   imagePullSecret through a server-side-apply patch;
 * - `<app>-database`, the connection Secret (host, port, database, username, password, sslmode,
 *   uri, dsn; all secret): through the infra tenant's global pooler Service, or to its co-located
 *   CloudNativePG cluster (`ColocatedCluster`).
 *
 * Why a patch and not a managed ServiceAccount: Kubernetes creates `default` in every namespace
 * itself; managing it would fail with "already exists" (or need an import) and deleting the stack
 * would delete it. A `ServiceAccountPatch` applied with server-side apply owns only the
 * `imagePullSecrets` field, and gives it back on delete. `pulumi.com/patchForce` takes the field
 * over from a previous manager (the Flux setup's kustomization) instead of failing on a conflict.
 */
import * as k8s from "@pulumi/kubernetes";
import * as onepassword from "@1password/pulumi-onepassword";
import * as pulumi from "@pulumi/pulumi";
import { onePasswordOf, type OnePasswordConfig } from "../onepassword";
import { appNamespace, type ApplicationConfig } from "./config";
import {
    APPLICATION_LABEL,
    HARBOR_PROJECT_LABEL,
    robotItemName,
    TENANT_LABEL,
} from "../contract/names";
import { PLAIN_KEYS_ANNOTATION } from "../credentials";
import { MANAGED_BY, namespace } from "../namespace";
import { ColocatedCluster } from "./colocated";
import type { TenantConnection } from "./infra";
import {
    CONNECTION_SECRET_KEYS,
    connectionSecretData,
    connectionSecretName,
    dockerConfigJson,
    PULL_SECRET_NAME,
    robotItemMissingMessage,
} from "./spec";

/** Reads a 1Password item; injectable so the missing-item path can be tested. */
export type ItemLookup = (vaultUuid: string, title: string) => Promise<onepassword.GetItemResult>;

function itemField(item: onepassword.GetItemResult, label: string): string | undefined {
    if (label === "username" && item.username) return item.username;
    if (label === "password" && item.password) return item.password;
    for (const section of item.sections ?? []) {
        for (const field of section.fields ?? []) {
            if (field.label === label && field.value) return field.value;
        }
    }
    return undefined;
}

/**
 * The robot account of a Harbor project from its 1Password item (`title`, by default
 * `harbor-robot-<project>`). A missing item or field fails with a message naming the item title
 * and how to create it.
 */
export async function robotCredentials(
    lookup: ItemLookup,
    vaultUuid: string,
    vaultName: string,
    project: string,
    appIndex: number,
    title = robotItemName(project),
): Promise<{ username: string; password: string }> {
    let item: onepassword.GetItemResult;
    try {
        item = await lookup(vaultUuid, title);
    } catch (e) {
        const cause = e instanceof Error ? e.message.split("\n")[0] : String(e);
        throw new Error(
            robotItemMissingMessage(appIndex, project, vaultName, cause ?? "not found", title),
        );
    }
    const username = itemField(item, "username");
    const password = itemField(item, "password");
    const missing = [username ? undefined : "username", password ? undefined : "password"].filter(
        (x): x is string => x !== undefined,
    );
    if (!username || !password) {
        throw new Error(
            robotItemMissingMessage(
                appIndex,
                project,
                vaultName,
                `it has no field ${missing.map((m) => `"${m}"`).join(" or ")}`,
                title,
            ),
        );
    }
    return { username, password };
}

export interface ApplicationArgs {
    app: ApplicationConfig;
    /** Position in platform:applications, for error messages. */
    index: number;
    harborHost: string;
    /** 1Password item of the Harbor project's pull robot (default: `harbor-robot-<project>`). */
    robotItem?: string;
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Output<string>;
    /** A shared tenant's connection (from the infra stack's outputs). */
    tenant?: TenantConnection;
    operator: pulumi.Resource;
    /** The Barman Cloud plugin release when co-located clusters back up through it. */
    barmanPlugin?: pulumi.Resource;
    /** CNPG's PodMonitor for a co-located cluster (the stack's alerts are on). */
    podMonitor?: boolean;
    /** Default: the 1Password provider's getItem. */
    lookup?: ItemLookup;
}

export class Application extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly namespaceName: string;
    public readonly pullSecret?: k8s.core.v1.Secret;
    public readonly connectionSecret?: k8s.core.v1.Secret;
    public readonly postgres?: ColocatedCluster;

    constructor(name: string, args: ApplicationArgs, opts: pulumi.ComponentResourceOptions) {
        super("platform:apps:Application", name, {}, opts);
        const app = args.app;
        const ns = appNamespace(app);
        this.namespaceName = ns;
        const k8sOpts = { parent: this };

        // The application's own workloads and volumes live in the namespace (and a co-located
        // cluster's, when it has one): deleting it would delete them. Protected, so removing the
        // app from config or `pulumi destroy` fails instead; and retained, so even once
        // unprotected Pulumi only forgets it and `kubectl delete namespace` stays a human's call.
        this.namespace = namespace(ns, app.podSecurity, true, {
            ...k8sOpts,
            retainOnDelete: true,
        });

        if (app.harborProject) {
            const project = app.harborProject;
            const lookup: ItemLookup =
                args.lookup ??
                ((vault, title) =>
                    onepassword.getItem({ vault, title }, { provider: onePasswordOf(this) }));
            const creds = pulumi.secret(
                args.vaultUuid.apply((vault) =>
                    robotCredentials(
                        lookup,
                        vault,
                        args.onepassword.vault,
                        project,
                        args.index,
                        args.robotItem,
                    ),
                ),
            );
            const pull = app.pullSecret;
            this.pullSecret = new k8s.core.v1.Secret(
                `${app.name}-${PULL_SECRET_NAME}`,
                {
                    metadata: {
                        name: pull.name,
                        namespace: ns,
                        labels: { ...MANAGED_BY, [HARBOR_PROJECT_LABEL]: project },
                    },
                    type: "kubernetes.io/dockerconfigjson",
                    stringData: {
                        ".dockerconfigjson": pulumi.secret(
                            creds.apply((c) =>
                                dockerConfigJson(args.harborHost, c.username, c.password),
                            ),
                        ),
                    },
                },
                { ...k8sOpts, dependsOn: [this.namespace] },
            );
            for (const sa of pull.serviceAccounts) {
                new k8s.core.v1.ServiceAccountPatch(
                    `${app.name}-${sa}-sa`,
                    {
                        metadata: {
                            name: sa,
                            namespace: ns,
                            annotations: { "pulumi.com/patchForce": "true" },
                        },
                        imagePullSecrets: [{ name: pull.name }],
                    },
                    { ...k8sOpts, dependsOn: [this.namespace, this.pullSecret] },
                );
            }
        }

        let connection:
            | {
                  host: string;
                  port: number;
                  database: string;
                  username: string;
                  sslmode: string;
                  sessionHost?: string;
              }
            | undefined;
        let password: pulumi.Input<string> | undefined;
        const dependsOn: pulumi.Resource[] = [this.namespace];
        if (args.tenant) {
            connection = args.tenant;
            password = args.tenant.password;
        } else if (app.postgres) {
            this.postgres = new ColocatedCluster(
                app.name,
                {
                    app,
                    index: args.index,
                    onepassword: args.onepassword,
                    vaultUuid: args.vaultUuid,
                    operator: args.operator,
                    barmanPlugin: args.barmanPlugin,
                    podMonitor: args.podMonitor,
                    namespace: this.namespace,
                },
                { parent: this },
            );
            connection = {
                host: this.postgres.host,
                port: this.postgres.port,
                database: this.postgres.database,
                username: this.postgres.owner,
                sslmode: "require",
            };
            password = this.postgres.password;
        }

        if (connection && password !== undefined) {
            const c = connection;
            const data = pulumi
                .secret(password)
                .apply((pw) => connectionSecretData({ ...c, password: pw }));
            const withoutPassword = connectionSecretData({ ...c, password: "" });
            const keys = Object.keys(withoutPassword);
            // The Kubernetes SDK marks the whole stringData secret; the values that carry the
            // password are secret here too, and the annotation names the others for the render.
            const plain = keys.filter((k) => !CONNECTION_SECRET_KEYS.includes(k));
            this.connectionSecret = new k8s.core.v1.Secret(
                connectionSecretName(app),
                {
                    metadata: {
                        name: connectionSecretName(app),
                        namespace: ns,
                        labels: {
                            ...MANAGED_BY,
                            [APPLICATION_LABEL]: app.name,
                            ...(app.tenant ? { [TENANT_LABEL]: app.tenant } : {}),
                        },
                        annotations: { [PLAIN_KEYS_ANNOTATION]: plain.join(",") },
                    },
                    type: "Opaque",
                    stringData: Object.fromEntries(
                        keys.map((k) => [
                            k,
                            plain.includes(k)
                                ? (withoutPassword[k] ?? "")
                                : pulumi.secret(data.apply((d) => d[k] ?? "")),
                        ]),
                    ),
                },
                { ...k8sOpts, dependsOn },
            );
        }

        this.registerOutputs({
            namespace: ns,
            pullSecret: this.pullSecret ? app.pullSecret.name : undefined,
            connectionSecret: this.connectionSecret ? connectionSecretName(app) : undefined,
        });
    }
}
