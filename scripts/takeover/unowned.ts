/**
 * Live objects of the adopted kinds in the adopted namespaces that the stack will not own, and
 * what becomes of each after the takeover. Objects with an owner (operator- or Helm-made) follow
 * their owner and are left out; the rest stay as they are unless something removes them.
 */
import { unwrap } from "../mock-runtime";
import type { KubernetesObject } from "../takeover-inventory";
import type { Conflict, RuleContext, RuleResult } from "./types";

const FLUX_KS = "kustomize.toolkit.fluxcd.io/name";
/** Secret types Kubernetes or Helm write for themselves. */
const SYSTEM_SECRET_TYPES = new Set(["kubernetes.io/service-account-token", "helm.sh/release.v1"]);

function fate(o: KubernetesObject): { severity: "blocker" | "risk"; what: string } {
    const flux = o.metadata.labels?.[FLUX_KS];
    const stays = flux
        ? `Flux's Kustomization ${flux} prunes it once its manifest leaves Git, or keeps it while it stays there`
        : "nothing removes it";
    const method = typeof o.spec?.method === "string" ? o.spec.method : "barmanObjectStore";
    if (o.kind === "ScheduledBackup" && method === "barmanObjectStore")
        return {
            severity: "blocker",
            what: `an in-tree (barmanObjectStore) ScheduledBackup keeps firing after the switch to the plugin and every backup fails; ${stays}: delete it (kubectl delete scheduledbackup ${o.metadata.name} -n ${o.metadata.namespace ?? ""})`,
        };
    if (o.kind === "Pooler")
        return {
            severity: "risk",
            what: `its PgBouncer pods keep server connections the stack's budget does not count; ${stays}: delete it once no client uses its Service`,
        };
    if (o.kind === "Secret")
        return {
            severity: "risk",
            what: `a copy of a credential the stack no longer rotates; ${stays}: delete it once nothing mounts it`,
        };
    return { severity: "risk", what: `${stays}: delete it, or keep it in Git on purpose` };
}

export const unownedRule = (ctx: RuleContext): RuleResult => {
    // The kinds the stack writes (adopted or created) in each namespace it adopts.
    const kinds = new Set(
        ctx.regs.flatMap((r) => {
            const i = unwrap(r.inputs) as {
                apiVersion?: unknown;
                kind?: unknown;
                metadata?: unknown;
            };
            const ns = (i.metadata as { namespace?: unknown } | undefined)?.namespace;
            return r.type.startsWith("kubernetes:") && typeof i.kind === "string"
                ? [`${typeof ns === "string" ? ns : ""} ${String(i.apiVersion)} ${i.kind}`]
                : [];
        }),
    );
    const namespaces = new Set(
        ctx.adopted.flatMap((a) =>
            a.live.kind === "Namespace"
                ? [a.live.metadata.name]
                : [a.live.metadata.namespace ?? ""],
        ),
    );
    const adopted = new Set(ctx.adopted.map((a) => a.live));
    const conflicts: Conflict[] = [];
    for (const o of ctx.inv.kubernetes) {
        const ns = o.metadata.namespace ?? "";
        if (adopted.has(o) || !kinds.has(`${ns} ${o.apiVersion} ${o.kind}`)) continue;
        if (o.kind === "Namespace" || !namespaces.has(o.metadata.namespace ?? "")) continue;
        if ((o.metadata.ownerReferences ?? []).length > 0) continue;
        if (o.metadata.labels?.["app.kubernetes.io/managed-by"] === "Helm") continue;
        if (o.kind === "Secret" && SYSTEM_SECRET_TYPES.has(o.type ?? "")) continue;
        const f = fate(o);
        conflicts.push({
            rule: "not-owned-by-stack",
            severity: f.severity,
            type: o.kind,
            name: `${o.metadata.namespace ?? ""}/${o.metadata.name}`,
            problem: `lives beside the adopted objects but the stack does not own it: ${f.what}`,
        });
    }
    return { conflicts };
};
