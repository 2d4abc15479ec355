/** The changes between the base and the head render of each stack. */
import { refOf, type Change, type Row, type StackDiff, type StackRender } from "./model";
import { replaceReasons } from "./replace";
import { valueChanges } from "./values";

/** Resource-level fields compared besides the inputs (a change of these alone is an update). */
const OPTION_FIELDS = ["protect", "retainOnDelete", "import"] as const;

export function diffStack(base?: StackRender, head?: StackRender): Change[] {
    const rowsOf = (s?: StackRender) =>
        new Map(
            (s?.rows ?? [])
                .filter((r) => r.type !== "pulumi:pulumi:Stack")
                .map((r) => [refOf(r), r]),
        );
    const before = rowsOf(base);
    const after = rowsOf(head);
    const out: Change[] = [];
    for (const ref of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const b = before.get(ref);
        const a = after.get(ref);
        const row = (a ?? b) as Row;
        const common = { ref, type: row.type, name: row.name, base: b, head: a };
        if (!b) {
            out.push({ ...common, op: "create", changes: [], replaceReasons: [] });
            continue;
        }
        if (!a) {
            out.push({ ...common, op: "delete", changes: [], replaceReasons: [] });
            continue;
        }
        const changes = valueChanges(b.inputs, a.inputs);
        for (const f of OPTION_FIELDS) {
            if (JSON.stringify(b[f] ?? null) !== JSON.stringify(a[f] ?? null)) {
                changes.push({ path: `(${f})`, before: b[f] ?? null, after: a[f] ?? null });
            }
        }
        const reasons = replaceReasons(row.type, changes);
        // A new parent gives the resource a new URN: without an alias Pulumi deletes the old
        // one and creates the new one.
        if ((b.parent ?? null) !== (a.parent ?? null)) {
            changes.push({ path: "(parent)", before: b.parent, after: a.parent });
            reasons.push("(parent): a new URN");
        }
        if (changes.length === 0) continue;
        out.push({
            ...common,
            op: reasons.length > 0 ? "replace" : "update",
            changes,
            replaceReasons: reasons,
        });
    }
    // A new random or tls value reaches what reads it; the render shows both as [secret], the
    // engine updates them.
    const byRef = new Map(out.map((c) => [c.ref, c]));
    for (const c of out.filter((x) => x.op === "replace" && /^(random|tls):/.test(x.type))) {
        for (const r of after.values()) {
            if (!r.dependencies.includes(c.ref)) continue;
            const existing = byRef.get(refOf(r));
            const note = { path: "(secret input)", after: `new value of ${c.name}` };
            if (existing) {
                if (existing.op === "update" || existing.op === "replace")
                    existing.changes.push(note);
                continue;
            }
            const b = before.get(refOf(r));
            const change: Change = {
                op: "update",
                ref: refOf(r),
                type: r.type,
                name: r.name,
                base: b,
                head: r,
                changes: [note],
                replaceReasons: [],
            };
            out.push(change);
            byRef.set(change.ref, change);
        }
    }
    return out.sort((x, y) => x.ref.localeCompare(y.ref));
}

export function planDiffStacks(base: StackRender[], head: StackRender[]): StackDiff[] {
    const [b0, h0] = [base[0], head[0]];
    if (base.length === 1 && head.length === 1 && b0 && h0 && b0.stack !== h0.stack) {
        throw new Error(
            `plan-diff: the base is a render of stack ${b0.stack} and the head of stack ${h0.stack}: compare two renders of the same stack (or two folders of stacks)`,
        );
    }
    const names = [...new Set([...base.map((s) => s.stack), ...head.map((s) => s.stack)])].sort();
    return names.map((stack) => {
        const b = base.find((s) => s.stack === stack);
        const h = head.find((s) => s.stack === stack);
        return { stack, base: b, head: h, changes: diffStack(b, h) };
    });
}
