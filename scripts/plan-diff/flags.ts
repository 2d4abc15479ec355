/**
 * What to look at first: replaces and deletes of stateful or protected objects, renames,
 * rotations, access rules (pg_hba), the connection budget, chart changes and adoptions.
 */
import type { Change, Row, StackDiff } from "./model";
import { accessRuleChanges } from "./access";
import { under } from "./replace";
import { rotationNotes } from "./rotation";
import { code, short, show, what } from "./text";

/** Types whose replace or delete loses data or takes a running system down. */
export const STATEFUL_TYPES: Record<string, string> = {
    "kubernetes:postgresql.cnpg.io/v1:Cluster": "a PostgreSQL cluster and its volumes",
    "postgresql:index/database:Database": "a database and its data",
    "kubernetes:core/v1:PersistentVolumeClaim": "a volume",
    "kubernetes:core/v1:Namespace": "a namespace and everything in it",
    "kubernetes:helm.sh/v3:Release":
        "a Helm release: everything it templated (an operator chart's CRDs take every custom resource of them along)",
    "postgresql:index/role:Role": "a login role: what connects as it fails",
};

const BUDGET_PATHS: Record<string, RegExp> = {
    "kubernetes:postgresql.cnpg.io/v1:Cluster": /^spec\.postgresql\.parameters\.max_connections$/,
    "kubernetes:postgresql.cnpg.io/v1:Pooler":
        /^spec\.(instances|pgbouncer\.poolMode|pgbouncer\.parameters\.(default_pool_size|reserve_pool_size|min_pool_size|max_client_conn|max_db_connections|max_user_connections))$/,
    "postgresql:index/role:Role": /^connectionLimit$/,
};

export interface Flag {
    /** 0: stop and check (data, protection); 1: check; 2: note. */
    level: 0 | 1 | 2;
    text: string;
    notes: string[];
}

export function flags(d: StackDiff, all: StackDiff[]): Flag[] {
    const out: Flag[] = [];
    // New objects' access rules: each one's rules while they are few, one line for many (a new
    // tenant brings a Pooler; two hundred of them would bury the rest of the review).
    const newAccess = new Map<string, { c: Change; flag: { text: string; notes: string[] } }[]>();
    const at = `(${d.stack})`;
    for (const c of d.changes) {
        const row = (c.head ?? c.base) as Row;
        const stateful = STATEFUL_TYPES[c.type];
        if ((c.op === "replace" || c.op === "delete") && (row.protect || c.base?.protect)) {
            out.push({
                level: 0,
                text: `${at} **${c.op}s protected** ${what(c)}${c.op === "replace" ? ` (${c.replaceReasons.join(", ")})` : ""}: \`pulumi up\` refuses to ${c.op} a protected resource; if this is meant, the change must unprotect it first, deliberately`,
                notes: [],
            });
        } else if ((c.op === "replace" || c.op === "delete") && stateful) {
            out.push({
                level: 0,
                text: `${at} **${c.op}s** ${what(c)}${c.op === "replace" ? ` (${c.replaceReasons.join(", ")})` : ""}: ${stateful}${c.base?.retainOnDelete ? " (retainOnDelete: Pulumi forgets it, the object stays)" : ""}`,
                notes: [],
            });
        }
        if (
            c.op === "replace" &&
            c.type.startsWith("random:") &&
            c.replaceReasons.some((p) => under(p, "keepers"))
        ) {
            const owner = c.head?.parent
                ? `${short(c.head.parent.split("::")[0] ?? "")} ${code(c.head.parent.split("::")[1] ?? "")}`
                : what(c);
            const keepers = c.changes.filter((x) => under(x.path, "keepers"));
            // A role's salt keyed on the serving cluster (a restore's cut-over or its rollback):
            // the same password, set again on the cluster that now serves.
            const servingOnly = (v: unknown) =>
                v === undefined ||
                v === null ||
                (typeof v === "object" && Object.keys(v).every((k) => k === "servingCluster"));
            if (
                keepers.every(
                    (k) =>
                        k.path === "keepers.servingCluster" ||
                        (k.path === "keepers" && servingOnly(k.before) && servingOnly(k.after)),
                )
            ) {
                out.push({
                    level: 1,
                    text: `${at} **re-applies the password of ${owner}** on the serving cluster (${what(c)}, ${keepers.map((k) => `${k.path} ${show(k.before)} → ${show(k.after)}`).join(", ")}): a new salt, the same password; the Role is updated (ALTER ROLE) where the restored data holds the password of the recovery target`,
                    notes: [],
                });
                continue;
            }
            out.push({
                level: 1,
                text: `${at} **rotates the password of ${owner}** (${what(c)}, ${keepers.map((k) => `${k.path} ${show(k.before)} → ${show(k.after)}`).join(", ")})`,
                notes: rotationNotes(c, d, all),
            });
        } else if (
            c.op === "replace" &&
            (c.type.startsWith("random:") || c.type.startsWith("tls:"))
        ) {
            out.push({
                level: 1,
                text: `${at} **generates a new secret** ${what(c)} (${c.replaceReasons.join(", ")}): everything that holds the old value gets the new one`,
                notes: rotationNotes(c, d, all),
            });
        }
        if (c.op === "update") {
            for (const x of c.changes) {
                if (c.type === "postgresql:index/role:Role" && x.path === "name") {
                    out.push({
                        level: 0,
                        text: `${at} **renames role** ${show(x.before)} → ${show(x.after)} in place (ALTER ROLE … RENAME TO): whatever logs in with the old name fails`,
                        notes: [],
                    });
                }
                if (c.type === "postgresql:index/database:Database" && x.path === "name") {
                    out.push({
                        level: 0,
                        text: `${at} **renames database** ${show(x.before)} → ${show(x.after)} in place (ALTER DATABASE … RENAME TO): connection strings with the old name fail`,
                        notes: [],
                    });
                }
            }
        }
        if (c.op === "delete" && /^(random|tls):/.test(c.type) && !c.base?.protect) {
            out.push({
                level: 1,
                text: `${at} **deletes the generated secret** ${what(c)}: its value is gone for good (a later create makes a new one); whatever still holds it keeps a value nothing manages`,
                notes: [],
            });
        }
        if (c.op === "update" && c.base?.protect && !c.head?.protect) {
            out.push({
                level: 1,
                text: `${at} **stops protecting** ${what(c)}: a later change can delete it without a guard`,
                notes: [],
            });
        }
        const access = accessRuleChanges(c);
        if (access && c.op === "create") {
            const k = `${at}\u0000${c.type}`;
            newAccess.set(k, [...(newAccess.get(k) ?? []), { c, flag: access }]);
        } else if (access) {
            out.push({ level: 1, text: `${at} ${access.text}`, notes: access.notes });
        }
        const budget = BUDGET_PATHS[c.type];
        if (budget && c.op === "update") {
            for (const x of c.changes.filter((y) => budget.test(y.path))) {
                out.push({
                    level: 1,
                    text: `${at} connection budget: ${what(c)} ${code(x.path)} ${show(x.before)} → ${show(x.after)}`,
                    notes:
                        x.path === "spec.postgresql.parameters.max_connections"
                            ? [
                                  "restarts PostgreSQL: max_connections takes effect only at server start; CNPG restarts the replicas, then the primary (spec.primaryUpdateStrategy)",
                              ]
                            : [],
                });
            }
        }
        if (
            budget &&
            (c.op === "create" || c.op === "delete") &&
            c.type !== "kubernetes:postgresql.cnpg.io/v1:Cluster"
        ) {
            const limit =
                row.inputs.connectionLimit ??
                (row.inputs.spec as Record<string, unknown> | undefined)?.instances;
            out.push({
                level: 2,
                text: `${at} connection budget: ${c.op === "create" ? "adds" : "removes"} ${what(c)}${limit !== undefined ? ` (${c.type.endsWith(":Role") ? "connectionLimit" : "instances"} ${show(limit)})` : ""}`,
                notes: [],
            });
        }
        if (c.type === "kubernetes:helm.sh/v3:Release" && c.op !== "create" && c.op !== "delete") {
            const chart = c.changes.filter((x) =>
                ["version", "chart", "repositoryOpts.repo"].includes(x.path),
            );
            if (chart.length > 0) {
                out.push({
                    level: 1,
                    text: `${at} **chart change** ${what(c)}: ${chart.map((x) => `${x.path} ${show(x.before)} → ${show(x.after)}`).join(", ")} — read the chart's upgrade notes; Helm never upgrades CRDs in a chart's \`crds/\` folder`,
                    notes: [],
                });
            }
        }
        const importId = c.head?.import;
        const adopts = c.op === "create" && c.head?.inputs.adopt === true;
        if (
            (importId !== undefined &&
                importId !== null &&
                importId !== "" &&
                JSON.stringify(importId) !== JSON.stringify(c.base?.import ?? null)) ||
            adopts
        ) {
            out.push({
                level: 1,
                text: `${at} **adopts** existing ${what(c)}${importId ? ` (import ${show(importId)})` : " (adopt on create)"}: Pulumi takes it over and then brings it to the declared inputs; check the diff of the live preview`,
                notes: [],
            });
        }
    }
    for (const [k, group] of newAccess) {
        const at = k.split("\u0000")[0] ?? "";
        if (group.length <= 5) {
            for (const g of group)
                out.push({ level: 1, text: `${at} ${g.flag.text}`, notes: g.flag.notes });
            continue;
        }
        const first = group[0]?.c;
        const names = group.map((g) => code(g.c.name));
        out.push({
            level: 1,
            text: `${at} **brings access rules** of ${group.length} new ${short(first?.type ?? "")}s: ${names.slice(0, 3).join(", ")} … ${names[names.length - 1] ?? ""}; their rules are not listed one by one: read one in the render and check the others follow it`,
            notes: [],
        });
    }
    return aggregateBudget(out).sort((a, b) => a.level - b.level);
}

/** More than a handful of roles or poolers added or removed: one line per kind and direction. */
function aggregateBudget(all: Flag[]): Flag[] {
    const re =
        /^(\(\S+\)) connection budget: (adds|removes) (Role|Pooler) `([^`]+)`(?: \((connectionLimit|instances) (\d+)\))?$/;
    const groups = new Map<string, { names: string[]; sum: number; field?: string }>();
    const rest: Flag[] = [];
    for (const f of all) {
        const m = f.level === 2 ? re.exec(f.text) : null;
        if (!m) {
            rest.push(f);
            continue;
        }
        const k = `${m[1] ?? ""} ${m[2] ?? ""} ${m[3] ?? ""}`;
        const g = groups.get(k) ?? { names: [], sum: 0, field: m[5] };
        g.names.push(m[4] ?? "");
        g.sum += Number(m[6] ?? 0);
        groups.set(k, g);
    }
    for (const [k, g] of groups) {
        const [at, verb, kind] = k.split(" ");
        if (g.names.length <= 5) {
            for (const n of g.names) {
                const one = all.find((f) =>
                    f.text.includes(`${verb ?? ""} ${kind ?? ""} \`${n}\``),
                );
                if (one) rest.push(one);
            }
            continue;
        }
        const shown = g.names
            .slice(0, 5)
            .map((n) => code(n))
            .join(", ");
        rest.push({
            level: 2,
            text: `${at ?? ""} connection budget: ${verb ?? ""} ${g.names.length} ${kind === "Role" ? "roles" : "poolers"}${g.field ? ` (${g.field} ${g.sum} in all)` : ""}: ${shown}, …`,
            notes: [],
        });
    }
    return rest;
}
