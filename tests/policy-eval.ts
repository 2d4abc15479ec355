/**
 * A small evaluator of rendered network policies, for the allow/deny tables of
 * tests/network-policies.spec.ts. It knows Kubernetes NetworkPolicy (podSelector,
 * namespaceSelector, ipBlock with except, ports; policyTypes) and the subset of
 * CiliumNetworkPolicy (cilium.io/v2) this project emits (endpointSelector, fromEndpoints /
 * toEndpoints with namespace and cluster labels, fromEntities / toEntities, fromCIDR / toCIDR,
 * toPorts), and throws on anything else, so a construct it does not model cannot pass unnoticed.
 *
 * Semantics modelled on Cilium's "default" enforcement mode (docs.cilium.io security/policy/intro):
 * an endpoint selected by no policy with an ingress (egress) section allows all ingress (egress);
 * once selected, only what some rule allows; policies add up. Traffic is allowed when the
 * destination's ingress and the source's egress both allow it; pods of the remote (apps) cluster
 * are not policed by these policies. Selectors without io.cilium.k8s.policy.cluster match every
 * cluster of the mesh (Cilium ≤ 1.18) or only the local one (1.19's policy-default-local-cluster),
 * chosen by `defaultLocalCluster`; NetworkPolicy selectors behave the same way under Cilium.
 */

export type Peer =
    | { kind: "pod"; cluster: string; namespace: string; labels: Record<string, string> }
    | { kind: "ip"; ip: string }
    | { kind: "entity"; entity: "host" | "remote-node" | "kube-apiserver" };

export interface Policy {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
    spec: Record<string, unknown>;
}

export interface EvalOptions {
    localCluster: string;
    defaultLocalCluster: boolean;
}

type Labels = Record<string, string>;

const CLUSTER_KEYS = ["io.cilium.k8s.policy.cluster", "k8s:io.cilium.k8s.policy.cluster"];
const NAMESPACE_KEYS = ["k8s:io.kubernetes.pod.namespace", "io.kubernetes.pod.namespace"];

function ipToInt(ip: string): number {
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
        throw new Error(`not an IPv4 address: ${ip}`);
    }
    return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function inCidr(ip: string, cidr: string): boolean {
    const [base = "", bitsText = "32"] = cidr.split("/");
    const bits = Number(bitsText);
    const size = 2 ** (32 - bits);
    return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(base) / size);
}

function only(obj: Record<string, unknown>, allowed: string[], what: string): void {
    for (const k of Object.keys(obj)) {
        if (!allowed.includes(k))
            throw new Error(`policy evaluator: unsupported ${what} field "${k}"`);
    }
}

function matchLabels(selector: unknown, what: string): Labels {
    const sel = (selector ?? {}) as Record<string, unknown>;
    only(sel, ["matchLabels"], what);
    return (sel.matchLabels ?? {}) as Labels;
}

function labelsMatch(want: Labels, have: Labels): boolean {
    return Object.entries(want).every(([k, v]) => have[k.replace(/^k8s:/, "")] === v);
}

function clusterOk(cluster: string | undefined, pod: { cluster: string }, o: EvalOptions): boolean {
    if (cluster !== undefined) return pod.cluster === cluster;
    return !o.defaultLocalCluster || pod.cluster === o.localCluster;
}

// ---------------------------------------------------------------------------------------------
// CiliumNetworkPolicy

function ciliumEndpointMatches(
    selector: unknown,
    policyNs: string,
    peer: Peer,
    o: EvalOptions,
): boolean {
    if (peer.kind !== "pod") return false;
    const all = matchLabels(selector, "endpoint selector");
    const want = Object.fromEntries(
        Object.entries(all).filter(
            ([k]) => !NAMESPACE_KEYS.includes(k) && !CLUSTER_KEYS.includes(k),
        ),
    );
    const ns = NAMESPACE_KEYS.map((k) => all[k]).find((v) => v !== undefined) ?? policyNs;
    const cluster = CLUSTER_KEYS.map((k) => all[k]).find((v) => v !== undefined);
    return peer.namespace === ns && clusterOk(cluster, peer, o) && labelsMatch(want, peer.labels);
}

function entityMatches(entities: string[], peer: Peer, o: EvalOptions): boolean {
    return entities.some((e) => {
        switch (e) {
            case "all":
                return true;
            case "host":
            case "remote-node":
            case "kube-apiserver":
                return peer.kind === "entity" && peer.entity === e;
            case "world":
                return peer.kind === "ip";
            case "cluster":
                return (
                    (peer.kind === "pod" && peer.cluster === o.localCluster) ||
                    peer.kind === "entity"
                );
            default:
                throw new Error(`policy evaluator: unsupported entity "${e}"`);
        }
    });
}

function portsMatch(toPorts: unknown, port: number, protocol: string): boolean {
    if (toPorts === undefined) return true;
    return (toPorts as { ports: { port: string; protocol?: string }[] }[]).some((tp) => {
        only(tp, ["ports"], "toPorts");
        return tp.ports.some(
            (p) =>
                Number(p.port) === port &&
                (p.protocol === undefined || p.protocol === "ANY" || p.protocol === protocol),
        );
    });
}

function ciliumRuleAllows(
    rule: Record<string, unknown>,
    dir: "ingress" | "egress",
    policyNs: string,
    peer: Peer,
    port: number,
    protocol: string,
    o: EvalOptions,
): boolean {
    const [eps, ents, cidrs] =
        dir === "ingress"
            ? ["fromEndpoints", "fromEntities", "fromCIDR"]
            : ["toEndpoints", "toEntities", "toCIDR"];
    only(rule, [eps, ents, cidrs, "toPorts"], `${dir} rule`);
    const peerOk =
        ((rule[eps] as unknown[] | undefined) ?? []).some((s) =>
            ciliumEndpointMatches(s, policyNs, peer, o),
        ) ||
        entityMatches((rule[ents] as string[] | undefined) ?? [], peer, o) ||
        ((rule[cidrs] as string[] | undefined) ?? []).some(
            (c) => peer.kind === "ip" && inCidr(peer.ip, c),
        );
    return peerOk && portsMatch(rule.toPorts, port, protocol);
}

// ---------------------------------------------------------------------------------------------
// NetworkPolicy

function npPeerMatches(
    p: Record<string, unknown>,
    policyNs: string,
    peer: Peer,
    o: EvalOptions,
): boolean {
    only(p, ["podSelector", "namespaceSelector", "ipBlock"], "NetworkPolicy peer");
    if (p.ipBlock) {
        const block = p.ipBlock as { cidr: string; except?: string[] };
        return (
            peer.kind === "ip" &&
            inCidr(peer.ip, block.cidr) &&
            !(block.except ?? []).some((c) => inCidr(peer.ip, c))
        );
    }
    if (peer.kind !== "pod" || !clusterOk(undefined, peer, o)) return false;
    const nsOk = p.namespaceSelector
        ? labelsMatch(matchLabels(p.namespaceSelector, "namespaceSelector"), {
              "kubernetes.io/metadata.name": peer.namespace,
          })
        : peer.namespace === policyNs;
    const podOk = p.podSelector
        ? labelsMatch(matchLabels(p.podSelector, "podSelector"), peer.labels)
        : true;
    return nsOk && podOk;
}

function npRuleAllows(
    rule: Record<string, unknown>,
    dir: "ingress" | "egress",
    policyNs: string,
    peer: Peer,
    port: number,
    protocol: string,
    o: EvalOptions,
): boolean {
    const key = dir === "ingress" ? "from" : "to";
    only(rule, [key, "ports"], `NetworkPolicy ${dir} rule`);
    const peers = rule[key] as Record<string, unknown>[] | undefined;
    const peerOk =
        !peers || peers.length === 0 || peers.some((p) => npPeerMatches(p, policyNs, peer, o));
    const ports = rule.ports as { port?: number; protocol?: string }[] | undefined;
    const portOk =
        !ports ||
        ports.length === 0 ||
        ports.some(
            (p) => (p.port === undefined || p.port === port) && (p.protocol ?? "TCP") === protocol,
        );
    return peerOk && portOk;
}

// ---------------------------------------------------------------------------------------------

interface Selected {
    rules: Record<string, unknown>[];
    allows: (rule: Record<string, unknown>) => boolean;
}

function selecting(
    policies: Policy[],
    pod: Extract<Peer, { kind: "pod" }>,
    dir: "ingress" | "egress",
    other: Peer,
    port: number,
    protocol: string,
    o: EvalOptions,
): Selected[] {
    const out: Selected[] = [];
    for (const p of policies) {
        if (p.metadata.namespace !== pod.namespace || pod.cluster !== o.localCluster) continue;
        if (p.kind === "CiliumNetworkPolicy") {
            only(
                p.spec,
                ["description", "endpointSelector", "ingress", "egress"],
                "CiliumNetworkPolicy spec",
            );
            if (!labelsMatch(matchLabels(p.spec.endpointSelector, "endpointSelector"), pod.labels))
                continue;
            const rules = p.spec[dir] as Record<string, unknown>[] | undefined;
            if (rules === undefined) continue;
            out.push({
                rules,
                allows: (r) =>
                    ciliumRuleAllows(r, dir, p.metadata.namespace, other, port, protocol, o),
            });
        } else if (p.kind === "NetworkPolicy") {
            only(p.spec, ["podSelector", "policyTypes", "ingress", "egress"], "NetworkPolicy spec");
            if (!labelsMatch(matchLabels(p.spec.podSelector, "podSelector"), pod.labels)) continue;
            const types =
                (p.spec.policyTypes as string[] | undefined) ??
                (p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
            if (!types.includes(dir === "ingress" ? "Ingress" : "Egress")) continue;
            out.push({
                rules: (p.spec[dir] as Record<string, unknown>[] | undefined) ?? [],
                allows: (r) => npRuleAllows(r, dir, p.metadata.namespace, other, port, protocol, o),
            });
        } else {
            throw new Error(`policy evaluator: unsupported kind ${p.kind}`);
        }
    }
    return out;
}

function directionAllows(selected: Selected[]): boolean {
    return selected.length === 0 || selected.some((s) => s.rules.some((r) => s.allows(r)));
}

/** Whether `from` may open a connection to `to` on `port` under `policies`. */
export function allowed(
    policies: Policy[],
    from: Peer,
    to: Peer,
    port: number,
    o: EvalOptions,
    protocol = "TCP",
): boolean {
    const ingressOk =
        to.kind !== "pod" ||
        directionAllows(selecting(policies, to, "ingress", from, port, protocol, o));
    const egressOk =
        from.kind !== "pod" ||
        directionAllows(selecting(policies, from, "egress", to, port, protocol, o));
    return ingressOk && egressOk;
}
