/**
 * The Barman Cloud plugin (chart `plugin-barman-cloud` 0.7.0 = plugin v0.13.0, CloudNativePG's
 * chart repository): the `ObjectStore` CRD, the plugin Deployment and the `barman-cloud` Service
 * the operator discovers it by, with cert-manager certificates between them.
 *
 * It must live in the operator's namespace (plugin docs, web/docs/installation.mdx: "must be
 * installed in the same namespace as the CloudNativePG operator"), comes after the operator
 * release, and every ObjectStore and Cluster that uses it waits for it. The chart's Issuer and
 * Certificates need cert-manager's CRDs: without them the release fails and nothing after it
 * (ObjectStores, the Cluster change) is applied.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BarmanCloudPluginConfig } from "../postgres/backup-config";

export const BARMAN_PLUGIN_RELEASE_NAME = "plugin-barman-cloud";

/**
 * Values for chart plugin-barman-cloud 0.7.0 (cloudnative-pg/charts
 * charts/plugin-barman-cloud/values.yaml). The chart's defaults already run restricted-compliant
 * (runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, all capabilities dropped) and
 * create the CRD; the Service name `barman-cloud` is fixed by the chart (its certificate names it).
 */
export function barmanPluginValues(cfg: BarmanCloudPluginConfig): Record<string, unknown> {
    return {
        replicaCount: 1,
        crds: { create: true },
        ...(cfg.resources ? { resources: cfg.resources } : {}),
    };
}

export interface BarmanCloudPluginArgs {
    config: BarmanCloudPluginConfig;
    /** The operator's namespace (the plugin must be there). */
    namespace: string;
    /** The operator release: the plugin comes after it. */
    operator: pulumi.Resource;
    namespaceResource: pulumi.Resource;
}

export class BarmanCloudPlugin extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: BarmanCloudPluginArgs, opts: pulumi.ComponentResourceOptions) {
        super("platform:cnpg:BarmanCloudPlugin", name, {}, opts);
        this.release = new k8s.helm.v3.Release(
            BARMAN_PLUGIN_RELEASE_NAME,
            {
                name: BARMAN_PLUGIN_RELEASE_NAME,
                namespace: args.namespace,
                chart: "plugin-barman-cloud",
                version: args.config.chart.version,
                repositoryOpts: { repo: args.config.chart.repository },
                values: barmanPluginValues(args.config),
                // Deployed only once the plugin Deployment is available, so Clusters that name
                // it find it answering.
                skipAwait: false,
                atomic: false,
                cleanupOnFail: true,
                timeout: 600,
                maxHistory: 10,
            },
            {
                parent: this,
                dependsOn: [args.operator, args.namespaceResource],
            },
        );
        this.registerOutputs({ release: this.release.status });
    }
}
