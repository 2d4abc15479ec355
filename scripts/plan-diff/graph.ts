/** Mermaid picture of the change. */
import { nodeIds, nodeLabel } from "../render";
import { OPS, refOf, reverseDeps, type Op, type Row, type StackDiff } from "./model";

/** GitHub's limits for a Mermaid diagram in a comment. */
export const MERMAID_LIMITS = { maxEdges: 500, maxBytes: 50_000 };
/** Beyond these the detailed picture is unreadable; one node per component instead. */
const DETAIL_CAP = { nodes: 80, edges: 160 };
const COMPONENT_CAP = 60;

const STYLE: Record<Op | "context", string> = {
    create: "fill:#d4f7d4,stroke:#2a7a2a",
    update: "fill:#fff3c4,stroke:#9a7b00",
    replace: "fill:#ffd9b3,stroke:#b35900",
    delete: "fill:#ffd0d0,stroke:#a00000",
    context: "fill:#f4f4f4,stroke:#999999,color:#555555",
};

function classDefs(): string[] {
    return Object.entries(STYLE).map(([k, v]) => `  classDef ${k} ${v}`);
}

/**
 * The changed resources of every stack with their direct neighbours; when that is too large,
 * one node per component (with its counts) and the dependencies between components.
 */
export function changeGraph(diffs: StackDiff[]): {
    mermaid: string;
    kind: "detail" | "components" | "none";
    note?: string;
} {
    const changed = diffs.flatMap((d) => d.changes.map((c) => ({ d, c })));
    if (changed.length === 0) return { mermaid: "", kind: "none" };
    const key = (stack: string, ref: string) => `${stack}/${ref}`;
    const rowsOf = (d: StackDiff) => {
        const m = new Map<string, Row>();
        for (const r of [...(d.base?.rows ?? []), ...(d.head?.rows ?? [])]) m.set(refOf(r), r);
        return m;
    };
    // Detailed view.
    const nodes = new Map<string, { stack: string; row: Row; op: Op | "context" }>();
    const edges = new Set<string>();
    for (const d of diffs) {
        const rows = rowsOf(d);
        const dependents = reverseDeps([...rows.values()]);
        for (const c of d.changes) {
            const row = (c.head ?? c.base) as Row;
            nodes.set(key(d.stack, c.ref), { stack: d.stack, row, op: c.op });
        }
        for (const c of d.changes) {
            const row = (c.head ?? c.base) as Row;
            for (const dep of row.dependencies) {
                const r = rows.get(dep);
                if (!r) continue;
                if (!nodes.has(key(d.stack, dep)))
                    nodes.set(key(d.stack, dep), { stack: d.stack, row: r, op: "context" });
                edges.add(`${key(d.stack, dep)} ${key(d.stack, c.ref)}`);
            }
            for (const r of dependents.get(c.ref) ?? []) {
                if (!nodes.has(key(d.stack, refOf(r))))
                    nodes.set(key(d.stack, refOf(r)), { stack: d.stack, row: r, op: "context" });
                edges.add(`${key(d.stack, c.ref)} ${key(d.stack, refOf(r))}`);
            }
        }
    }
    if (nodes.size <= DETAIL_CAP.nodes && edges.size <= DETAIL_CAP.edges) {
        const ids = nodeIds([...nodes.keys()].map((k) => k.replace("/", "_")));
        const id = (k: string) => ids.get(k.replace("/", "_")) ?? "";
        const lines = ["flowchart LR"];
        for (const d of diffs) {
            const mine = [...nodes.entries()].filter(([, n]) => n.stack === d.stack);
            if (mine.length === 0) continue;
            lines.push(
                `  subgraph stack_${d.stack.replace(/[^A-Za-z0-9_]/g, "_")}["stack ${d.stack}"]`,
            );
            for (const [k, n] of mine.sort(([a], [b]) => a.localeCompare(b))) {
                const mark = n.op === "context" ? "" : ` (${n.op})`;
                lines.push(`    ${id(k)}["${nodeLabel(n.row.type, n.row.name)}${mark}"]:::${n.op}`);
            }
            lines.push("  end");
        }
        for (const e of [...edges].sort()) {
            const [from, to] = e.split(" ");
            lines.push(`  ${id(from ?? "")} --> ${id(to ?? "")}`);
        }
        lines.push(...classDefs());
        return { mermaid: `${lines.join("\n")}\n`, kind: "detail" };
    }
    // One node per component: the nearest component ancestor of each resource.
    const groups = new Map<string, { stack: string; label: string; counts: Record<Op, number> }>();
    const groupEdges = new Set<string>();
    for (const d of diffs) {
        const rows = rowsOf(d);
        const groupOf = (r: Row): string => {
            let p = r.custom ? r.parent : refOf(r);
            while (p) {
                const pr = rows.get(p);
                if (!pr || pr.type === "pulumi:pulumi:Stack") break;
                if (!pr.custom) return key(d.stack, p);
                p = pr.parent;
            }
            return key(d.stack, `(stack)::${d.stack}`);
        };
        const touched = new Set(d.changes.map((c) => groupOf((c.head ?? c.base) as Row)));
        for (const r of rows.values()) {
            if (r.type === "pulumi:pulumi:Stack") continue;
            const g = groupOf(r);
            for (const dep of r.dependencies) {
                const dr = rows.get(dep);
                if (!dr || dr.type === "pulumi:pulumi:Stack") continue;
                const from = groupOf(dr);
                if (from !== g && (touched.has(from) || touched.has(g)))
                    groupEdges.add(`${from} ${g}`);
            }
        }
        for (const g of [...touched, ...[...groupEdges].flatMap((e) => e.split(" "))]) {
            if (groups.has(g) || !g.startsWith(`${d.stack}/`)) continue;
            const ref = g.slice(d.stack.length + 1);
            const [type, ...rest] = ref.split("::");
            groups.set(g, {
                stack: d.stack,
                label:
                    type === "(stack)"
                        ? `stack ${d.stack}: resources outside components`
                        : nodeLabel(type ?? "", rest.join("::")),
                counts: { create: 0, update: 0, replace: 0, delete: 0 },
            });
        }
        for (const c of d.changes) {
            const g = groups.get(groupOf((c.head ?? c.base) as Row));
            if (g) g.counts[c.op] += 1;
        }
    }
    const total = (g: { counts: Record<Op, number> }) =>
        Object.values(g.counts).reduce((a, b) => a + b, 0);
    let byType = false;
    if (groups.size > COMPONENT_CAP) {
        // Still too many (e.g. 200 tenants): one node per kind of component and stack.
        byType = true;
        const typeKey = (g: string) => {
            const slash = g.indexOf("/");
            return `${g.slice(0, slash)}/${g.slice(slash + 1).split("::")[0] ?? ""}::*`;
        };
        const merged = new Map<
            string,
            { stack: string; label: string; counts: Record<Op, number>; names: string[] }
        >();
        for (const [k, g] of groups) {
            const m = merged.get(typeKey(k)) ?? {
                stack: g.stack,
                label: "",
                counts: { create: 0, update: 0, replace: 0, delete: 0 },
                names: [],
            };
            for (const op of OPS) m.counts[op] += g.counts[op];
            m.names.push(k.slice(k.indexOf("::") + 2));
            merged.set(typeKey(k), m);
        }
        groups.clear();
        for (const [k, m] of merged) {
            const type = k.slice(k.indexOf("/") + 1, k.lastIndexOf("::"));
            const names = m.names.sort();
            const label =
                type === "(stack)"
                    ? `stack ${m.stack}: resources outside components`
                    : names.length === 1
                      ? nodeLabel(type, names[0] ?? "")
                      : nodeLabel(
                            `${type} × ${names.length}`,
                            names.length > 3
                                ? `${names[0] ?? ""} … ${names[names.length - 1] ?? ""}`
                                : names.join(", "),
                        );
            groups.set(k, { stack: m.stack, label, counts: m.counts });
        }
        const remapped = new Set<string>();
        for (const e of groupEdges) {
            const [from, to] = e.split(" ").map((x) => typeKey(x));
            if (from && to && from !== to) remapped.add(`${from} ${to}`);
        }
        groupEdges.clear();
        for (const e of remapped) groupEdges.add(e);
    }
    const ranked = [...groups.entries()].sort(
        ([ka, a], [kb, b]) => total(b) - total(a) || ka.localeCompare(kb),
    );
    const kept = new Map(ranked.slice(0, COMPONENT_CAP));
    const ids = nodeIds([...kept.keys()].map((k) => k.replace("/", "_")));
    const id = (k: string) => ids.get(k.replace("/", "_")) ?? "";
    const lines = ["flowchart LR"];
    for (const [k, g] of [...kept.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const counts = (Object.entries(g.counts) as [Op, number][]).filter(([, n]) => n > 0);
        const op: Op | "context" =
            counts.find(([o]) => o === "delete")?.[0] ??
            counts.find(([o]) => o === "replace")?.[0] ??
            counts[0]?.[0] ??
            "context";
        const summary = counts.map(([o, n]) => `${o} ${n}`).join(", ");
        lines.push(`  ${id(k)}["${g.label}${summary ? `<br/>${summary}` : ""}"]:::${op}`);
    }
    const keptEdges = [...groupEdges].filter((e) => e.split(" ").every((k) => kept.has(k))).sort();
    for (const e of keptEdges.slice(0, MERMAID_LIMITS.maxEdges - 10)) {
        const [from, to] = e.split(" ");
        lines.push(`  ${id(from ?? "")} --> ${id(to ?? "")}`);
    }
    lines.push(...classDefs());
    const left = ranked.length - kept.size;
    return {
        mermaid: `${lines.join("\n")}\n`,
        kind: "components",
        note: `${nodes.size} resources and ${edges.size} dependencies are too many to read: one node per ${byType ? "kind of component" : "changed component"}${left > 0 ? ` (the ${COMPONENT_CAP} with the most changes; ${left} more not drawn)` : ""}.`,
    };
}
