/**
 * Review of a change as a diff of two offline renders:
 * `npm run plan-diff -- <base render dir> <head render dir> [--max-chars <n>]` prints Markdown on
 * stdout; with --max-chars, cut by structure to fit a pull-request comment (plan-diff/fit).
 *
 * A render dir is what `npm run render` writes (resources.json, outputs.json, graph.mmd, ...), or
 * a folder of them, one per stack (render/infra, render/apps). Resources are matched by
 * `<type>::<name>`; each one is created, deleted, updated or replaced. Whether Pulumi replaces
 * is decided by REPLACE_RULES in plan-diff/replace.ts, read from the providers' sources (named
 * there). The offline render sees no live state: drift, objects made by hand and the values of
 * secrets are for the live `pulumi preview`.
 *
 * The modules under plan-diff/: model (rows and changes), load, values (the value diff), replace
 * (what Pulumi replaces), diff, flags and rotation (what to look at first), graph (Mermaid),
 * markdown (the review), versions (pins against components/versions: end of life, skipped steps,
 * downgrades, what an upgrade does); this file is the command and what the specs import.
 */
import { parseArgs } from "node:util";
import { loadRenderDir } from "./plan-diff/load";
import { fitComment } from "./plan-diff/fit";
import { planDiff } from "./plan-diff/markdown";

export type { Change, Op, Row, StackDiff, StackRender, ValueChange } from "./plan-diff/model";
export { loadRenderDir, stackFromFiles } from "./plan-diff/load";
export { valueChanges } from "./plan-diff/values";
export { REPLACE_RULES, replaceReasons } from "./plan-diff/replace";
export { diffStack, planDiffStacks } from "./plan-diff/diff";
export { flags, STATEFUL_TYPES, type Flag } from "./plan-diff/flags";
export { changeGraph, MERMAID_LIMITS } from "./plan-diff/graph";
export { planDiff } from "./plan-diff/markdown";
export { foundVersions, versionFlags } from "./plan-diff/versions";
export { fitComment, GITHUB_COMMENT_LIMIT } from "./plan-diff/fit";
export { engineFlags, kubernetesProviderDiff, quantityBytes } from "./plan-diff/engine-rules";
export { renderedStack } from "./plan-diff/load";

const USAGE =
    "usage: npm run plan-diff -- <base render dir> <head render dir> [--max-chars <n ≥ 1000>] [--today YYYY-MM-DD]\n";

/** The command: its exit status and what it prints (stdout, stderr). */
export function cli(argv: string[]): { status: number; stdout: string; stderr: string } {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: { today: { type: "string" }, "max-chars": { type: "string" } },
        });
    } catch {
        return { status: 2, stdout: "", stderr: USAGE };
    }
    const { values, positionals } = parsed;
    const [baseDir, headDir, ...rest] = positionals;
    const max = values["max-chars"] === undefined ? undefined : Number(values["max-chars"]);
    const today = values.today ? new Date(`${values.today}T00:00:00Z`) : new Date();
    if (
        !baseDir ||
        !headDir ||
        rest.length > 0 ||
        Number.isNaN(today.getTime()) ||
        (max !== undefined && (!Number.isInteger(max) || max < 1000))
    ) {
        return { status: 2, stdout: "", stderr: USAGE };
    }
    try {
        const md = planDiff(loadRenderDir(baseDir), loadRenderDir(headDir), { today });
        return { status: 0, stdout: max === undefined ? md : fitComment(md, max), stderr: "" };
    } catch (err) {
        return {
            status: 1,
            stdout: "",
            stderr: `${err instanceof Error ? err.message : String(err)}\n`,
        };
    }
}

if (require.main === module) {
    const { status, stdout, stderr } = cli(process.argv.slice(2));
    process.stdout.write(stdout);
    process.stderr.write(stderr);
    process.exit(status);
}
