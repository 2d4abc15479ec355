/**
 * Shared pieces of the network-policy tables (tests/network-policies.spec.ts,
 * tests/network-policies-restore.spec.ts): peers as tests/policy-eval.ts models them, a row type,
 * and the infra fixture config with a change, rendered to policies.
 */
import { parseConfig, type PlatformConfig } from "../components/config";
import { buildNetworkPolicies } from "../components/network/policies";
import { buildSystemPolicies } from "../components/network/system-policies";
import type { Peer, Policy } from "./policy-eval";
import { fixtureSettings, toConfigMap } from "./mocks";

export const INFRA = "infra";

export const APPS = "apps";

export const pod = (
    cluster: string,
    namespace: string,
    labels: Record<string, string> = {},
): Peer => ({
    kind: "pod",
    cluster,
    namespace,
    labels,
});

export const ip = (addr: string): Peer => ({ kind: "ip", ip: addr });

export const operator = (cluster: string) =>
    pod(cluster, "cnpg-system", {
        "app.kubernetes.io/name": "cloudnative-pg",
        "app.kubernetes.io/instance": "cloudnative-pg",
    });

export const harborCore = pod(INFRA, "harbor", { app: "harbor", component: "core" });

export type Row = [string, Peer, Peer, number, "allow" | "deny", string?];

export function settingsWith(change: (s: Record<string, any>) => void): PlatformConfig {
    const settings = structuredClone(fixtureSettings("infra")) as Record<string, any>;
    change(settings);
    return parseConfig(toConfigMap(settings));
}

export function asPolicies(cfg: PlatformConfig): Policy[] {
    return [...buildNetworkPolicies(cfg), ...buildSystemPolicies(cfg)].map((p) => ({
        apiVersion: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: { name: p.name, namespace: p.namespace },
        spec: p.spec,
    }));
}
