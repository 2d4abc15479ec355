/**
 * The committed list of every resource of each stack (stacks/<stack>.resources), one sorted line per
 * resource: the URN's type chain and name as the Pulumi engine forms it (`createUrn` in
 * sdk/nodejs/resource.ts: the parent types joined by `$`, the root Stack left out, then
 * `::<name>`), with `[protect]` on protected ones. State is keyed by that URN: a resource renamed,
 * or moved under another component, changes its line, so a pull request shows it, and a protected
 * object whose line changes needs `aliases` (or it is deleted and created again; protect makes the
 * deployment fail instead).
 *
 *   npm run resources -- --check     fail when a render of the committed config differs
 *   npm run resources -- --write     rewrite the lists after a deliberate change
 *
 * Built from the offline render's resources.json (its parent is the parent's `type::name`), not
 * from the mocks' URNs: the SDK's mock monitor keeps only the last parent type in a URN.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { render } from "./render";

export interface ResourceRow {
    type: string;
    name: string;
    parent?: string | null;
    protect?: boolean;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** One line per resource, sorted: `<parent types>$<type>::<name>`, `[protect]` when protected. */
export function resourceLines(rows: readonly ResourceRow[]): string[] {
    const byKey = new Map(rows.map((r) => [`${r.type}::${r.name}`, r]));
    const chain = (r: ResourceRow): string[] => {
        const types: string[] = [];
        const seen = new Set<string>();
        for (let p = r.parent ?? undefined; p;) {
            const parent = byKey.get(p);
            if (!parent || seen.has(p)) break;
            seen.add(p);
            if (parent.type !== STACK_TYPE) types.unshift(parent.type);
            p = parent.parent ?? undefined;
        }
        return types;
    };
    return rows
        .filter((r) => r.type !== STACK_TYPE)
        .map((r) => {
            const urn = `${[...chain(r), r.type].join("$")}::${r.name}`;
            return r.protect ? `${urn} [protect]` : urn;
        })
        .sort();
}

/** The lines that left and arrived between two lists, protected ones first. */
export function listChanges(
    committed: readonly string[],
    rendered: readonly string[],
): { removed: string[]; added: string[] } {
    const now = new Set(rendered);
    const before = new Set(committed);
    const first = (a: string, b: string) =>
        Number(b.endsWith("[protect]")) - Number(a.endsWith("[protect]")) || a.localeCompare(b);
    return {
        removed: committed.filter((l) => !now.has(l)).sort(first),
        added: rendered.filter((l) => !before.has(l)).sort(first),
    };
}

export const STACKS = ["infra", "apps"] as const;

export function listFile(projectDir: string, stack: string): string {
    return path.join(projectDir, "stacks", `${stack}.resources`);
}

async function renderedLines(projectDir: string, stack: string): Promise<string[]> {
    const { files } = await render({ stack, projectDir });
    const rows = JSON.parse(files["resources.json"] ?? "[]") as ResourceRow[];
    return resourceLines(rows);
}

async function main(argv: string[]): Promise<number> {
    const mode = argv[0];
    if (mode !== "--check" && mode !== "--write") {
        console.error("usage: npm run resources -- --check | --write");
        return 2;
    }
    const projectDir = path.resolve(__dirname, "..");
    let failed = false;
    for (const stack of STACKS) {
        const lines = await renderedLines(projectDir, stack);
        const file = listFile(projectDir, stack);
        if (mode === "--write") {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, lines.join("\n") + "\n");
            console.log(`${path.relative(projectDir, file)}: ${lines.length} resources`);
            continue;
        }
        const committed = fs.existsSync(file)
            ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean)
            : [];
        const { removed, added } = listChanges(committed, lines);
        if (removed.length === 0 && added.length === 0) {
            console.log(`${path.relative(projectDir, file)}: ${lines.length} resources, unchanged`);
            continue;
        }
        failed = true;
        console.error(
            `${path.relative(projectDir, file)} differs from the render of Pulumi.${stack}.yaml:`,
        );
        for (const l of removed) console.error(`  - ${l}`);
        for (const l of added) console.error(`  + ${l}`);
        if (removed.some((l) => l.endsWith("[protect]"))) {
            console.error(
                "A protected resource left its URN: give it `aliases` with its old name or parent, or it would be deleted and created again.",
            );
        }
        console.error(
            "If the change is deliberate: npm run resources -- --write, and commit the lists.",
        );
    }
    return failed ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            console.error(err instanceof Error ? err.message : String(err));
            process.exit(1);
        },
    );
}
