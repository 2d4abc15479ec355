/**
 * Review of a change as a diff of two offline renders:
 * `npm run plan-diff -- <base render dir> <head render dir>` prints Markdown on stdout.
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

function main(argv: string[]): number {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { today: { type: "string" } },
    });
    const [baseDir, headDir, ...rest] = positionals;
    const today = values.today ? new Date(`${values.today}T00:00:00Z`) : new Date();
    if (!baseDir || !headDir || rest.length > 0 || Number.isNaN(today.getTime())) {
        console.error(
            "usage: npm run plan-diff -- <base render dir> <head render dir> [--today YYYY-MM-DD]",
        );
        return 2;
    }
    process.stdout.write(planDiff(loadRenderDir(baseDir), loadRenderDir(headDir), { today }));
    return 0;
}

if (require.main === module) {
    try {
        process.exit(main(process.argv.slice(2)));
    } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
    }
}
