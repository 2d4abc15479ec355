/** Loading renders: a stack dir (resources.json, outputs.json) or a folder of them. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Row, StackRender } from "./model";

/** A stack render from the files `render()` returns (or reads them from a directory). */
export function stackFromFiles(stack: string, files: Record<string, string>): StackRender {
    const rows = JSON.parse(files["resources.json"] ?? "[]") as Row[];
    const outputs = JSON.parse(files["outputs.json"] ?? "{}") as Record<string, unknown>;
    return { stack, rows, outputs };
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
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, "resources.json")))
        .map((e) => e.name)
        .sort()
        .map((name) => readStackDir(path.join(dir, name)));
}
