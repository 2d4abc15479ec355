/** The rows plan-diff reads from a render and the changes it finds between two. */

/** One row of resources.json. `import` is the id of an object adopted on create, when set. */
export interface Row {
    type: string;
    name: string;
    custom: boolean;
    parent: string | null;
    dependencies: string[];
    protect: boolean;
    retainOnDelete: boolean;
    import?: unknown;
    inputs: Record<string, unknown>;
}

export interface StackRender {
    stack: string;
    rows: Row[];
    outputs: Record<string, unknown>;
}

export type Op = "create" | "update" | "replace" | "delete";

export interface ValueChange {
    path: string;
    before?: unknown;
    after?: unknown;
}

export interface Change {
    op: Op;
    ref: string;
    type: string;
    name: string;
    base?: Row;
    head?: Row;
    changes: ValueChange[];
    /** Why Pulumi replaces (the properties that force it). */
    replaceReasons: string[];
}

export interface StackDiff {
    stack: string;
    changes: Change[];
    base?: StackRender;
    head?: StackRender;
}

export const refOf = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

export const OPS: Op[] = ["create", "update", "replace", "delete"];

/** For each resource, the resources that depend on it. */
export function reverseDeps(rows: Row[]): Map<string, Row[]> {
    const out = new Map<string, Row[]>();
    for (const r of rows) {
        for (const d of r.dependencies) out.set(d, [...(out.get(d) ?? []), r]);
    }
    return out;
}
