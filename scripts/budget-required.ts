/**
 * The max_connections a stack's settings need, as the program's own connection budget computes it
 * (components/postgres/budget.ts): the settings are parsed with room to spare, then the budget is
 * asked. Used by the bench's synthetic configs and the CI guard that adds a tenant.
 */
import { parseConfig } from "../components/config";
import { clusterBudget } from "../components/postgres/budget";

/** `raw`: the stack's config as the Pulumi runtime gives it (`platform:<key>` → JSON string). */
export function requiredMaxConnections(raw: Record<string, string>): number {
    const pg = JSON.parse(raw["platform:postgres"] ?? "{}") as Record<string, unknown>;
    const cfg = parseConfig({
        ...raw,
        "platform:postgres": JSON.stringify({ ...pg, maxConnections: 10000 }),
    });
    if (!cfg.postgres) throw new Error("the settings have no platform:postgres");
    return clusterBudget(cfg.postgres, cfg.tenants).required;
}
