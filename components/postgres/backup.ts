/**
 * The S3 credentials Secret a CNPG cluster's Barman backups read, filled from an existing
 * 1Password item (the MinIO credentials are not generated here: MinIO issued them).
 */
import * as k8s from "@pulumi/kubernetes";
import * as onepassword from "@1password/pulumi-onepassword";
import type * as pulumi from "@pulumi/pulumi";
import { itemTitle, type OnePasswordConfig } from "../config";
import { MANAGED_BY } from "../namespace";
import { readItemFields } from "../onepassword";
import { BACKUP_SECRET_KEYS } from "./barman";

export interface BackupCredentialsArgs {
    /** Secret name and namespace (the cluster's). */
    name: string;
    namespace: string;
    /** The 1Password item (title relative to the stack's itemPrefix, or absolute with "/") and its fields. */
    credentials: { item: string; accessKeyField: string; secretKeyField: string };
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Input<string>;
    opProvider: onepassword.Provider;
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
        args.opProvider,
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
