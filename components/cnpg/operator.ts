/**
 * The CloudNativePG operator: its namespace and the `cloudnative-pg` Helm release (CRDs and
 * webhooks included). Everything that needs the CRDs or the admission webhook (Cluster, Pooler,
 * ScheduledBackup, Database) depends on `ready`, the release, which Helm only reports deployed
 * once the operator Deployment is available (skipAwait is false).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CnpgConfig } from "./config";
import { namespace } from "../namespace";

export const CNPG_RELEASE_NAME = "cloudnative-pg";

/**
 * Values for chart cloudnative-pg 0.29.0 (operator 1.30.0; cloudnative-pg/charts tag
 * cloudnative-pg-v0.29.0, charts/cloudnative-pg/values.yaml: the keys below are those of 0.25.0,
 * `config.data` is the operator's ConfigMap). Pure: tested without mocks.
 */
export function cnpgOperatorValues(cfg: CnpgConfig): Record<string, unknown> {
    return {
        replicaCount: cfg.replicas,
        crds: { create: true },
        config: {
            clusterWide: true,
            ...(cfg.instanceManagerInPlaceUpdates
                ? { data: { ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES: "true" } }
                : {}),
        },
        resources: cfg.resources,
        monitoring: {
            podMonitorEnabled: cfg.monitoring.podMonitor,
            grafanaDashboard: { create: cfg.monitoring.grafanaDashboard },
        },
    };
}

export interface CnpgOperatorArgs {
    config: CnpgConfig;
    /** Protect the namespace: true when a database cluster lives in it. */
    namespaceHoldsData: boolean;
}

export class CnpgOperator extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly release: k8s.helm.v3.Release;
    /** The namespace name, known at preview time. */
    public readonly namespaceName: string;

    constructor(name: string, args: CnpgOperatorArgs, opts: pulumi.ComponentResourceOptions) {
        super("platform:cnpg:Operator", name, {}, opts);
        const cfg = args.config;
        this.namespaceName = cfg.namespace;
        // Talos default: baseline enforced; restricted only warned and audited (CNPG pods comply anyway).
        this.namespace = namespace(cfg.namespace, "baseline", args.namespaceHoldsData, {
            parent: this,
        });
        this.release = new k8s.helm.v3.Release(
            CNPG_RELEASE_NAME,
            {
                name: CNPG_RELEASE_NAME,
                namespace: cfg.namespace,
                chart: "cloudnative-pg",
                version: cfg.chart.version,
                repositoryOpts: { repo: cfg.chart.repository },
                values: cnpgOperatorValues(cfg),
                skipAwait: false,
                atomic: false,
                cleanupOnFail: true,
                timeout: 600,
                maxHistory: 10,
            },
            { parent: this, dependsOn: [this.namespace] },
        );
        this.registerOutputs({ namespace: this.namespaceName, release: this.release.status });
    }
}
