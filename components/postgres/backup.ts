/**
 * The S3 credentials Secret a CNPG cluster's Barman backups read, filled from an existing
 * 1Password item (the MinIO credentials are not generated here: MinIO issued them).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { itemTitle, type OnePasswordConfig } from "../onepassword";
import { MANAGED_BY } from "../namespace";
import { onePasswordOf, readItemFields } from "../onepassword";
import { BACKUP_SECRET_KEYS, buildObjectStoreSpec } from "./barman";
import { objectStoreResource } from "./resources";
import type { RecoveryPlan } from "./spec";

export interface BackupCredentialsArgs {
    /** Secret name and namespace (the cluster's). */
    name: string;
    namespace: string;
    /** The 1Password item (title relative to the stack's itemPrefix, or absolute with "/") and its fields. */
    credentials: { item: string; accessKeyField: string; secretKeyField: string };
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Input<string>;
}

export function backupCredentialsSecret(
    args: BackupCredentialsArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    const creds = args.credentials;
    const [accessKey, secretKey] = readItemFields(
        args.vaultUuid,
        itemTitle(args.onepassword, creds.item),
        [creds.accessKeyField, creds.secretKeyField],
        onePasswordOf(opts.parent),
    );
    return new k8s.core.v1.Secret(
        args.name,
        {
            metadata: { name: args.name, namespace: args.namespace, labels: MANAGED_BY },
            type: "Opaque",
            stringData: {
                [BACKUP_SECRET_KEYS.accessKey]: accessKey ?? "",
                [BACKUP_SECRET_KEYS.secretKey]: secretKey ?? "",
            },
        },
        opts,
    );
}

/**
 * What a recovery from another bucket reads through, besides the cluster's own objects: the
 * source's credentials Secret (when it has its own item) and, on the plugin, a read-only
 * `ObjectStore` for it (no retention, which would delete the source's backups). Returns the
 * resources the restored cluster waits for.
 */
export function recoverySourceResources(
    args: Omit<BackupCredentialsArgs, "name" | "credentials"> & {
        plan: RecoveryPlan;
        barmanPlugin?: pulumi.Resource;
    },
    opts: { objects: pulumi.CustomResourceOptions; secret: pulumi.CustomResourceOptions },
): pulumi.Resource[] {
    const { plan } = args;
    if (!plan.separateSource) return [];
    const creds = plan.separateSource.credentialsItem;
    const sourceSecret = creds
        ? backupCredentialsSecret(
              {
                  name: plan.source.credentialsSecret,
                  namespace: args.namespace,
                  credentials: creds,
                  onepassword: args.onepassword,
                  vaultUuid: args.vaultUuid,
              },
              opts.secret,
          )
        : undefined;
    const deps: pulumi.Resource[] = sourceSecret ? [sourceSecret] : [];
    if (args.barmanPlugin) {
        deps.push(
            objectStoreResource(
                {
                    name: plan.sourceObjectStore,
                    namespace: args.namespace,
                    spec: buildObjectStoreSpec(plan.source, undefined),
                },
                { ...opts.objects, dependsOn: [args.barmanPlugin, ...deps] },
            ),
        );
    }
    return deps;
}
