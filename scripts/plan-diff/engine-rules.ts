/**
 * What the engine and the operators do with a change that the value diff alone does not show:
 *
 * - The Kubernetes provider's identity. pulumi-kubernetes `DiffConfig`
 *   (provider/pkg/provider/provider.go, read at v4.32.0, the newest tag in the stored copy of the
 *   provider; the project pins @pulumi/kubernetes 4.34.2): a `clusterIdentifier` that changes
 *   from one value to another replaces the provider; while it is set and unchanged, changes of
 *   `kubeconfig`/`context`/`cluster` replace nothing; adding or removing it replaces nothing by
 *   itself, and without it a change of the active cluster (`context`, `cluster`, `kubeconfig`)
 *   replaces the provider. A replaced provider replaces every object on it. The program sets it
 *   from `platform:kubernetes.clusterIdentifier`, by default `platform:role`.
 * - CNPG volumes. The Cluster webhook refuses to shrink `spec.storage`, `spec.walStorage` or a
 *   tablespace's storage ("can't shrink existing storage from … to …",
 *   internal/webhook/v1/cluster_webhook.go `validateStorageConfigurationChange`, v1.26.1 and
 *   v1.30.0); the storage class is read only when a PVC is built
 *   (pkg/reconciler/persistentvolumeclaim/build.go, v1.26.1), so a new one reaches new volumes
 *   only (a PVC's class is immutable).
 */
import type { Change, Row, StackDiff } from "./model";
import type { Flag } from "./flags";
import { code, show } from "./text";
import { isQuantity, parseQuantity } from "../../components/quantity";

const K8S_PROVIDER = "pulumi:providers:kubernetes";
const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const ACTIVE_CLUSTER_KEYS = ["context", "cluster", "kubeconfig"] as const;

const str = (v: unknown): string | undefined =>
    v === undefined || v === null || v === ""
        ? undefined
        : typeof v === "string"
          ? v
          : JSON.stringify(v);

/** What pulumi-kubernetes DiffConfig does with the change of one provider's inputs. */
export function kubernetesProviderDiff(
    before: Record<string, unknown>,
    after: Record<string, unknown>,
): { replaces: boolean; why: string } | undefined {
    const b = str(before.clusterIdentifier);
    const a = str(after.clusterIdentifier);
    const moved = ACTIVE_CLUSTER_KEYS.filter(
        (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
    );
    if (b !== undefined && a !== undefined && b !== a) {
        return { replaces: true, why: `clusterIdentifier ${show(b)} → ${show(a)}` };
    }
    if (b !== undefined && a !== undefined) {
        return moved.length > 0
            ? {
                  replaces: false,
                  why: `${moved.join(", ")} changed under the same clusterIdentifier ${show(a)}: ignored`,
              }
            : undefined;
    }
    const sets = b === undefined && a !== undefined;
    const removes = b !== undefined && a === undefined;
    if (moved.length > 0 && !(b !== undefined && a !== undefined)) {
        return {
            replaces: true,
            why: `${moved.join(", ")} changed without a clusterIdentifier to keep it`,
        };
    }
    if (sets) return { replaces: false, why: `clusterIdentifier set to ${show(a)}` };
    if (removes) return { replaces: false, why: `clusterIdentifier ${show(b)} removed` };
    return undefined;
}

/** Bytes of a Kubernetes quantity ("500Gi", "1.5T", "200M"); undefined when it is not one. */
export function quantityBytes(q: unknown): number | undefined {
    return typeof q === "string" && isQuantity(q) ? parseQuantity(q) : undefined;
}

function get(obj: unknown, path: string[]): unknown {
    let cur = obj;
    for (const p of path)
        cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[p] : undefined;
    return cur;
}

/** The volumes of a CNPG Cluster's spec, by where they are configured. */
function volumes(spec: unknown): Map<string, { size: unknown; storageClass: unknown }> {
    const out = new Map<string, { size: unknown; storageClass: unknown }>();
    for (const key of ["storage", "walStorage"]) {
        const v = get(spec, [key]);
        if (v && typeof v === "object")
            out.set(`spec.${key}`, {
                size: get(v, ["size"]),
                storageClass: get(v, ["storageClass"]),
            });
    }
    const ts = get(spec, ["tablespaces"]);
    if (Array.isArray(ts)) {
        for (const t of ts) {
            const s = get(t, ["storage"]);
            out.set(`spec.tablespaces[${String(get(t, ["name"]))}].storage`, {
                size: get(s, ["size"]),
                storageClass: get(s, ["storageClass"]),
            });
        }
    }
    return out;
}

function clusterFlags(c: Change, at: string): Flag[] {
    const out: Flag[] = [];
    const before = volumes(get(c.base?.inputs, ["spec"]));
    const after = volumes(get(c.head?.inputs, ["spec"]));
    for (const [where, b] of before) {
        const a = after.get(where);
        if (!a) continue;
        const bs = quantityBytes(b.size);
        const as = quantityBytes(a.size);
        if (bs !== undefined && as !== undefined && as < bs) {
            out.push({
                level: 0,
                text: `${at} **shrinks a volume** of Cluster ${code(c.name)}: ${where}.size ${show(b.size)} → ${show(a.size)}: CNPG's webhook refuses it ("can't shrink existing storage"), so \`pulumi up\` fails on this Cluster; a smaller volume takes a new cluster and a restore`,
                notes: [],
            });
        }
        if (JSON.stringify(b.storageClass ?? null) !== JSON.stringify(a.storageClass ?? null)) {
            out.push({
                level: 1,
                text: `${at} **changes the storage class** of Cluster ${code(c.name)}: ${where}.storageClass ${show(b.storageClass)} → ${show(a.storageClass)}: only volumes created from now on (a new instance, a replaced PVC) get it; the existing volumes keep their class`,
                notes: [],
            });
        }
    }
    return out;
}

/** The flags of these rules for one stack; the provider's identity comes first. */
export function engineFlags(d: StackDiff): Flag[] {
    const at = `(${d.stack})`;
    const out: Flag[] = [];
    const headRows = d.head?.rows ?? [];
    for (const c of d.changes) {
        if (c.type === K8S_PROVIDER && c.op === "update" && c.base && c.head) {
            const r = kubernetesProviderDiff(c.base.inputs, c.head.inputs);
            if (!r) continue;
            const objects = headRows.filter((x: Row) => x.type.startsWith("kubernetes:")).length;
            out.unshift(
                r.replaces
                    ? {
                          level: 0,
                          text: `${at} **replaces the Kubernetes provider** ${code(c.name)} (${r.why}; the identifier defaults to platform:role): Pulumi replaces every object on it (${objects} Kubernetes objects in this stack), protected ones included, which \`pulumi up\` refuses`,
                          notes: [],
                      }
                    : {
                          level: 1,
                          text: `${at} Kubernetes provider ${code(c.name)}: ${r.why}; no replacement from this change (pulumi-kubernetes replaces the provider only when a set clusterIdentifier changes, or the active cluster changes while none is set)`,
                          notes: [],
                      },
            );
        }
        if (c.type === CNPG_CLUSTER && c.op === "update") out.push(...clusterFlags(c, at));
    }
    return out;
}

/** Added, removed and changed entries between two values, as `path` strings (two levels deep). */
function outputChanges(before: unknown, after: unknown, at = "", depth = 0): string[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    const isObj = (v: unknown): v is Record<string, unknown> =>
        typeof v === "object" && v !== null && !Array.isArray(v);
    if (depth >= 2 || !isObj(before) || !isObj(after)) return [`${at} changed`];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
        const p = at ? `${at}.${k}` : k;
        if (!(k in before)) return [`${p} added`];
        if (!(k in after)) return [`${p} removed`];
        return outputChanges(before[k], after[k], p, depth + 1);
    });
}

/**
 * The apps stack reads the infra stack's outputs through a StackReference. When this change
 * alters them, the review's apps render used the head's infra render, but the live apps preview
 * reads what is deployed: it cannot see the new outputs before deploy.yml has run infra, and an
 * application that needs them (its new tenant) fails there with the message naming the tenant.
 */
export function crossStackFlags(diffs: StackDiff[]): Flag[] {
    const infra = diffs.find((d) => d.stack === "infra");
    const apps = diffs.find((d) => d.stack === "apps");
    if (!infra?.base || !infra.head || !apps?.head) return [];
    const changed = outputChanges(infra.base.outputs, infra.head.outputs);
    if (changed.length === 0) return [];
    const shown =
        changed.slice(0, 8).join(", ") +
        (changed.length > 8 ? `, … ${changed.length - 8} more` : "");
    return [
        {
            level: 1,
            text: `(apps) **reads infra outputs this change alters** (${shown}): this review rendered apps against the head's infra render; the live apps preview reads the deployed infra stack, so it cannot show what depends on them (an application of a new tenant fails there: "is not a tenant of the infra stack") until deploy.yml has run \`pulumi up\` on infra, which it does before apps`,
            notes: [],
        },
    ];
}
