/**
 * The inventory comes from the cluster the stack targets: `cluster.json` (written by the capture
 * script from `kubectl config view --minify -o json`) names the context it was captured with;
 * the stack's Kubernetes provider names the context `pulumi up` uses.
 */
import { unwrap } from "../mock-runtime";
import type { RuleContext, RuleResult } from "./types";

export const clusterIdentityRule = (ctx: RuleContext): RuleResult => {
    const providers = ctx.regs.filter((r) => r.type === "pulumi:providers:kubernetes");
    const contexts = providers
        .map((p) => (unwrap(p.inputs) as { context?: unknown }).context)
        .filter((c): c is string => typeof c === "string");
    const name = providers[0]?.name ?? "kubernetes";
    if (ctx.plan.adopt.length === 0) return {};
    if (!ctx.inv.cluster) {
        return {
            conflicts: [
                {
                    rule: "inventory-cluster",
                    severity: "risk",
                    type: "pulumi:providers:kubernetes",
                    name,
                    problem:
                        "the inventory has no cluster.json, so nothing shows it was captured from the cluster this stack targets: capture with the takeover capture script",
                },
            ],
        };
    }
    const captured = ctx.inv.cluster.context;
    if (contexts.length === 0 || contexts.includes(captured)) return {};
    return {
        conflicts: [
            {
                rule: "inventory-cluster",
                severity: "blocker",
                type: "pulumi:providers:kubernetes",
                name,
                problem: `the inventory was captured with kubeconfig context "${captured}" (${ctx.inv.cluster.server}), the stack deploys with context "${contexts.join(", ")}": adopting objects of another cluster imports nothing that exists or the wrong objects; capture again with --context ${contexts[0] ?? ""}`,
            },
        ],
    };
};
