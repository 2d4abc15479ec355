/**
 * Config of the CloudNativePG operator (`platform:cnpg`): its chart, replicas, resources,
 * monitoring and the Barman Cloud plugin beside it.
 */
import { z } from "zod";
import { VERSIONS } from "../versions/table";
import { dnsLabel, int, resourcesSchema } from "../schema";
import type { Problem } from "../problems";
import { barmanCloudPluginSchema } from "../postgres/backup-config";

export const cnpgSchema = z.strictObject({
    namespace: dnsLabel().default("cnpg-system"),
    chart: z
        .strictObject({
            version: z.string().min(1).default(VERSIONS.cnpg.pin),
            repository: z.url().default("https://cloudnative-pg.github.io/charts"),
        })
        .prefault({}),
    replicas: int(1, 5).default(1),
    /**
     * The operator replaces the instance manager inside running pods on an operator upgrade
     * (ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES) instead of rolling every instance with a
     * switchover (CloudNativePG docs/src/installation_upgrade.md at v1.30.0). Off, as upstream.
     */
    instanceManagerInPlaceUpdates: z.boolean().default(false),
    resources: resourcesSchema.prefault({
        requests: { cpu: "100m", memory: "256Mi" },
        limits: { cpu: "200m", memory: "256Mi" },
    }),
    monitoring: z
        .strictObject({
            podMonitor: z.boolean().default(false),
            grafanaDashboard: z.boolean().default(false),
        })
        .prefault({}),
    /** The Barman Cloud plugin, in the operator's namespace; `enabled` switches every cluster of the stack. */
    barmanCloudPlugin: barmanCloudPluginSchema.prefault({}),
});

export type CnpgConfig = z.infer<typeof cnpgSchema>;

/** The Barman Cloud plugin needs an operator that knows `spec.plugins[].isWALArchiver`. */
export function cnpgProblems(cnpg: CnpgConfig): Problem[] {
    const problems: Problem[] = [];
    const plugin = cnpg.barmanCloudPlugin;
    const [major, minor] = cnpg.chart.version.split(".").map(Number);
    if (plugin.enabled && major === 0 && minor !== undefined && minor < 24) {
        problems.push({
            key: "cnpg.barmanCloudPlugin.enabled",
            value: true,
            message: `needs CloudNativePG 1.26 or later (chart cloudnative-pg 0.24.0+; cnpg.chart.version is ${cnpg.chart.version}): older operators have no spec.plugins[].isWALArchiver. Upgrade the operator or set enabled: false for the in-tree barmanObjectStore`,
        });
    }
    return problems;
}
