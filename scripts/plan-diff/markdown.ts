/** The review as Markdown: the flags, then per stack its changes, then the picture of the change. */
import { planDiffStacks } from "./diff";
import { crossStackFlags, engineFlags } from "./engine-rules";
import { flags } from "./flags";
import { changeGraph } from "./graph";
import { OPS, type Change, type Op, type StackRender } from "./model";
import { code, show } from "./text";
import { versionFlags } from "./versions";

const MAX_DIFF_LINES = 120;
const MAX_PATHS_PER_RESOURCE = 12;

function summaryTable(changes: Change[]): string[] {
    const byType = new Map<string, Record<Op, number>>();
    for (const c of changes) {
        const row = byType.get(c.type) ?? { create: 0, update: 0, replace: 0, delete: 0 };
        row[c.op] += 1;
        byType.set(c.type, row);
    }
    const totals = OPS.map((op) => changes.filter((c) => c.op === op).length);
    return [
        `| type | ${OPS.join(" | ")} |`,
        `| --- | ${OPS.map(() => "---:").join(" | ")} |`,
        ...[...byType.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(
                ([t, n]) =>
                    `| ${code(t)} | ${OPS.map((op) => (n[op] ? String(n[op]) : "")).join(" | ")} |`,
            ),
        `| **total** | ${totals.map((n) => `**${n}**`).join(" | ")} |`,
    ];
}

function diffLines(changes: Change[]): string[] {
    const out: string[] = [];
    for (const c of changes.filter((x) => x.op === "update" || x.op === "replace")) {
        out.push(
            `@@ ${c.op} ${c.type} ${c.name}${c.op === "replace" ? ` (replaced by: ${c.replaceReasons.join(", ")})` : ""}`,
        );
        for (const x of c.changes.slice(0, MAX_PATHS_PER_RESOURCE)) {
            // A value that was redacted and is shown now (or the other way) may not have changed.
            if (x.before === "[secret]" && x.after !== undefined && x.after !== "[secret]") {
                out.push(
                    `  ${x.path}: ${show(x.after)} (was shown as [secret]; the render cannot tell whether it changed)`,
                );
                continue;
            }
            if (x.before !== undefined) out.push(`- ${x.path}: ${show(x.before)}`);
            if (x.after !== undefined) out.push(`+ ${x.path}: ${show(x.after)}`);
        }
        if (c.changes.length > MAX_PATHS_PER_RESOURCE) {
            out.push(`  … ${c.changes.length - MAX_PATHS_PER_RESOURCE} more changed values`);
        }
    }
    for (const c of changes.filter(
        (x) => x.op === "create" && x.type === "postgresql:index/grant:Grant",
    )) {
        const i = c.head?.inputs ?? {};
        out.push(
            `+ grant ${show(i.privileges)} on ${show(i.objectType)} ${show(i.database)}${i.schema ? `.${show(i.schema)}` : ""} to ${show(i.role)}`,
        );
    }
    for (const c of changes.filter(
        (x) => x.op === "delete" && x.type === "postgresql:index/grant:Grant",
    )) {
        const i = c.base?.inputs ?? {};
        out.push(
            `- grant ${show(i.privileges)} on ${show(i.objectType)} ${show(i.database)}${i.schema ? `.${show(i.schema)}` : ""} to ${show(i.role)}`,
        );
    }
    return out;
}

/** The review as Markdown. */
export function planDiff(
    base: StackRender[],
    head: StackRender[],
    opts: { today?: Date } = {},
): string {
    const diffs = planDiffStacks(base, head);
    const today = opts.today ?? new Date();
    const versions = diffs.flatMap((d) => versionFlags(d.stack, d.base, d.head, today));
    const out: string[] = ["## Offline review of this change", ""];
    const total = diffs.reduce((n, d) => n + d.changes.length, 0);
    out.push(
        "Rendered from the config of the base and of the head, without a cluster: live state (drift, objects made by hand, secret values) is for the live `pulumi preview`.",
        "",
    );
    if (total === 0 && versions.length === 0) {
        out.push(
            `**No changes** in ${diffs.map((d) => code(d.stack)).join(", ") || "any stack"}.`,
            "",
        );
        return `${out.join("\n")}\n`;
    }
    // The engine's rules first (a replaced provider replaces everything after it); stable sort.
    const all = [
        ...diffs.flatMap(engineFlags),
        ...versions,
        ...diffs.flatMap((d) => flags(d, diffs)),
        ...crossStackFlags(diffs),
    ].sort((a, b) => a.level - b.level);
    out.push("### What to look at first", "");
    if (all.length === 0)
        out.push(
            "Nothing flagged: no replace or delete of anything stateful or protected, no rotation, budget, chart or adoption change.",
        );
    const icon = ["🛑", "⚠️", "ℹ️"];
    for (const f of all) {
        out.push(`- ${icon[f.level] ?? ""} ${f.text}`);
        for (const n of f.notes) out.push(`  - ${n}`);
    }
    out.push("");
    for (const d of diffs) {
        out.push(`### Stack \`${d.stack}\``, "");
        if (!d.base) out.push("New stack (no base render).", "");
        if (!d.head) out.push("Removed stack (no head render).", "");
        if (d.changes.length === 0) {
            out.push("No changes.", "");
            continue;
        }
        out.push(...summaryTable(d.changes), "");
        const lines = diffLines(d.changes);
        if (lines.length > 0) {
            const shown = lines.slice(0, MAX_DIFF_LINES);
            out.push(
                `<details><summary>Changed values (${lines.length} lines, secrets as [secret])</summary>`,
                "",
                "```diff",
                ...shown,
                ...(lines.length > shown.length
                    ? [
                          `  … ${lines.length - shown.length} more lines: see resources.json of the two renders`,
                      ]
                    : []),
                "```",
                "",
                "</details>",
                "",
            );
        }
        const created = d.changes.filter((c) => c.op === "create" || c.op === "delete");
        if (created.length > 0) {
            out.push(
                `<details><summary>Created and deleted (${created.length})</summary>`,
                "",
                ...created
                    .slice(0, 200)
                    .map(
                        (c) =>
                            `- ${c.op} ${code(c.ref)}${(c.head ?? c.base)?.protect ? " (protected)" : ""}`,
                    ),
                ...(created.length > 200 ? [`- … ${created.length - 200} more`] : []),
                "",
                "</details>",
                "",
            );
        }
    }
    const g = changeGraph(diffs);
    if (g.kind !== "none") {
        out.push("### Dependency graph of the change", "");
        if (g.note) out.push(g.note, "");
        out.push(
            "Changed resources in colour (green create, yellow update, orange replace, red delete), their direct neighbours in grey. The full graph is `graph.mmd` of each render.",
            "",
            "```mermaid",
            g.mermaid.trimEnd(),
            "```",
            "",
        );
    }
    return `${out.join("\n").trimEnd()}\n`;
}
