/**
 * The CNPG custom resources every database cluster of the platform gets, shared by the shared
 * cluster and the apps' co-located ones: the `Cluster` (protected; Pulumi waits for its Ready
 * condition) and, with backups, its `ScheduledBackup` after it; the plugin's `ObjectStore`s.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY } from "../namespace";
import { OBJECT_STORE_API_VERSION } from "./barman";
import { CNPG_API_VERSION } from "./spec";

export interface CnpgClusterArgs {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    spec: Record<string, unknown>;
    readyTimeoutSeconds: number;
    scheduledBackup?: { name: string; spec: Record<string, unknown> };
}

export function cnpgClusterResources(
    args: CnpgClusterArgs,
    opts: pulumi.CustomResourceOptions,
): {
    cluster: k8s.apiextensions.CustomResource;
    scheduledBackup?: k8s.apiextensions.CustomResource;
} {
    const cluster = new k8s.apiextensions.CustomResource(
        args.name,
        {
            apiVersion: CNPG_API_VERSION,
            kind: "Cluster",
            metadata: {
                name: args.name,
                namespace: args.namespace,
                labels: { ...MANAGED_BY, ...args.labels },
                annotations: {
                    ...args.annotations,
                    "pulumi.com/waitFor": "condition=Ready",
                    "pulumi.com/timeoutSeconds": String(args.readyTimeoutSeconds),
                },
            },
            spec: args.spec,
        },
        { ...opts, protect: true },
    );
    const sb = args.scheduledBackup;
    const scheduledBackup = sb
        ? new k8s.apiextensions.CustomResource(
              sb.name,
              {
                  apiVersion: CNPG_API_VERSION,
                  kind: "ScheduledBackup",
                  metadata: { name: sb.name, namespace: args.namespace, labels: MANAGED_BY },
                  spec: sb.spec,
              },
              { parent: opts.parent, provider: opts.provider, dependsOn: [cluster] },
          )
        : undefined;
    return { cluster, scheduledBackup };
}

/**
 * A Barman Cloud plugin `ObjectStore` (barmancloud.cnpg.io/v1). Not protected: it only describes
 * where backups are; deleting it leaves them in the bucket.
 */
export function objectStoreResource(
    args: { name: string; namespace: string; spec: Record<string, unknown> },
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        args.name,
        {
            apiVersion: OBJECT_STORE_API_VERSION,
            kind: "ObjectStore",
            metadata: { name: args.name, namespace: args.namespace, labels: MANAGED_BY },
            spec: args.spec,
        },
        opts,
    );
}
