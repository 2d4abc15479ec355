/** Loading renders: a stack dir (resources.json, outputs.json) or a folder of them. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Row, StackRender } from "./model";

/**
 * The stack a render is of, from its own metadata: the root `pulumi:pulumi:Stack` resource,
 * named `<project>-<stack>` by the engine. Undefined when the render has none.
 */
export function renderedStack(rows: Row[]): string | undefined {
    const root = rows.find((r) => r.type === "pulumi:pulumi:Stack");
    return root?.name.replace(/^platform-/, "");
}

/**
 * A stack render from the files `render()` returns (or reads them from a directory). The stack
 * is named by the render's metadata; `fallback` (the folder's name) only when it has none.
 */
export function stackFromFiles(fallback: string, files: Record<string, string>): StackRender {
    const rows = JSON.parse(files["resources.json"] ?? "[]") as Row[];
    const outputs = JSON.parse(files["outputs.json"] ?? "{}") as Record<string, unknown>;
    return { stack: renderedStack(rows) ?? fallback, rows, outputs };
}

function readStackDir(dir: string): StackRender {
    const read = (f: string) => {
        const p = path.join(dir, f);
        return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
    };
    const files: Record<string, string> = {};
    for (const f of ["resources.json", "outputs.json"]) {
        const content = read(f);
        if (content !== undefined) files[f] = content;
    }
    return stackFromFiles(path.basename(dir), files);
}

/** A render dir: one stack (holds resources.json) or a folder of stack dirs. */
export function loadRenderDir(dir: string): StackRender[] {
    if (!fs.existsSync(dir)) throw new Error(`plan-diff: no render directory ${dir}`);
    if (fs.existsSync(path.join(dir, "resources.json"))) return [readStackDir(dir)];
    const stacks = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, "resources.json")))
        .map((e) => e.name)
        .sort()
        .map((name) => ({ folder: name, render: readStackDir(path.join(dir, name)) }));
    // Several renders of one stack (render/ holds apps and apps-placeholders, infra and
    // restore-drill): the one in the folder named after the stack keeps its name, the others
    // are told apart by their folder, `<stack> (<folder>)`.
    return stacks.map(({ folder, render }) => {
        const same = stacks.filter((o) => o.render.stack === render.stack);
        const plain = same.length === 1 || folder === render.stack;
        return plain ? render : { ...render, stack: `${render.stack} (${folder})` };
    });
}
