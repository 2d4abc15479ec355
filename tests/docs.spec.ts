/**
 * The documentation stays true: every relative link and anchor in README.md and docs/*.md
 * resolves, every `docs/<file>.md "Section"` reference in the code, stack files and CI names a
 * heading, the README's first screen says what this is and the two commands, and each runnable
 * command the runbooks show is one .ci/run runs.
 *
 * Anchors follow GitHub's heading ids (html-pipeline's TableOfContentsFilter, as GitHub renders
 * it): the heading's text, lowercased, with every character but letters, marks, digits,
 * connector punctuation, "-" and " " removed (PUNCTUATION_REGEXP = /[^\p{Word}\- ]/u), spaces
 * turned into "-", and "-1", "-2", ... appended to a repeated id.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./mocks";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
const DOCS = [
    "README.md",
    ...fs
        .readdirSync(path.join(PROJECT_DIR, "docs"))
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => `docs/${f}`),
];

/** The lines of a Markdown file outside fenced code blocks, and those inside, with line numbers. */
function split(text: string): { prose: [number, string][]; code: [number, string][] } {
    const prose: [number, string][] = [];
    const code: [number, string][] = [];
    let fence: string | undefined;
    text.split("\n").forEach((line, i) => {
        const open = /^\s*(```+|~~~+)/.exec(line)?.[1];
        if (fence === undefined && open) fence = open[0];
        else if (fence !== undefined && open?.startsWith(fence)) fence = undefined;
        else (fence === undefined ? prose : code).push([i + 1, line]);
    });
    return { prose, code };
}

/** A heading's text as GitHub renders it: no code ticks, emphasis, link targets or tags. */
function headingText(markdown: string): string {
    return markdown
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/<[^>]+>/g, "")
        .replace(/`/g, "")
        .replace(/\*\*?/g, "")
        .trim();
}

function slug(text: string): string {
    return text
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{Nd}\p{Pc}\- ]/gu, "")
        .replace(/ /g, "-");
}

/** The headings of a Markdown file, in order: text and anchor. */
function headings(text: string): { text: string; anchor: string }[] {
    const seen = new Set<string>();
    const out: { text: string; anchor: string }[] = [];
    for (const [, line] of split(text).prose) {
        const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!m?.[1]) continue;
        const title = headingText(m[1]);
        const id = slug(title);
        let anchor = id;
        for (let n = 1; seen.has(anchor); n++) anchor = `${id}-${n}`;
        seen.add(anchor);
        out.push({ text: title, anchor });
    }
    return out;
}

/** Relative link targets in the prose (inline code removed), with their line numbers. */
function links(text: string): [number, string][] {
    const out: [number, string][] = [];
    for (const [n, line] of split(text).prose) {
        const plain = line.replace(/`[^`]*`/g, "");
        for (const m of plain.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
            out.push([n, m[1] ?? ""]);
        }
        const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/.exec(plain);
        if (def?.[1]) out.push([n, def[1]]);
    }
    return out.filter(([, target]) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** What is wrong with a link from `file` to `target`, or undefined when it resolves. */
function brokenLink(file: string, target: string): string | undefined {
    const [rawPath = "", anchor] = target.split("#");
    const linked = rawPath === "" ? file : path.normalize(path.join(path.dirname(file), rawPath));
    if (linked.startsWith("..") || !fs.existsSync(path.join(PROJECT_DIR, linked))) {
        return `${linked} does not exist`;
    }
    if (anchor === undefined) return undefined;
    if (!linked.endsWith(".md")) return `#${anchor} on ${linked}, which is not Markdown`;
    const anchors = headings(read(linked)).map((h) => h.anchor);
    return anchors.includes(decodeURIComponent(anchor))
        ? undefined
        : `${linked} has no heading #${anchor}`;
}

/** Files outside docs that name doc sections: code, stack files, examples, CI. */
function referringFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(path.join(PROJECT_DIR, dir), { withFileTypes: true })) {
            const rel = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(rel);
            else if (/\.(ts|ya?ml|md)$/.test(entry.name)) out.push(rel);
        }
    };
    for (const dir of ["components", "scripts", "docs", "examples", ".github"]) walk(dir);
    const top = fs
        .readdirSync(PROJECT_DIR)
        .filter((f) => /^(Pulumi\..*\.yaml|index\.ts|README\.md)$/.test(f));
    return [...out, ...top, ".ci/run"].sort();
}

describe("documentation", () => {
    it("names headings with GitHub's anchors", () => {
        assert.equal(
            slug(headingText("Restoring: drills, point-in-time recovery, cut-over")),
            "restoring-drills-point-in-time-recovery-cut-over",
        );
        assert.equal(
            slug(headingText("Config reference (`platform:` namespace)")),
            "config-reference-platform-namespace",
        );
        assert.equal(
            slug(headingText("Add a tenant / an application")),
            "add-a-tenant--an-application",
        );
        assert.equal(slug(headingText("1. Freeze Flux and back up")), "1-freeze-flux-and-back-up");
        assert.equal(
            slug(headingText("max_connections and **pools**")),
            "max_connections-and-pools",
        );
        assert.deepEqual(
            headings("# A\n\n```sh\n# not a heading\n```\n\n## A\n### A\n").map((h) => h.anchor),
            ["a", "a-1", "a-2"],
        );
    });

    it("every relative link and anchor in README.md and docs/*.md resolves", () => {
        const problems: string[] = [];
        let count = 0;
        for (const file of DOCS) {
            for (const [line, target] of links(read(file))) {
                count++;
                const wrong = brokenLink(file, target);
                if (wrong) problems.push(`${file}:${line}: (${target}): ${wrong}`);
            }
        }
        assert.deepEqual(problems, []);
        // README links every runbook.
        const linked = new Set(links(read("README.md")).map(([, t]) => t.split("#")[0]));
        assert.deepEqual(
            DOCS.filter((d) => d !== "README.md" && !linked.has(d)),
            [],
            "a runbook the README does not link",
        );
        assert.ok(count >= DOCS.length - 1);
    });

    it("a broken link or anchor is found", () => {
        assert.equal(brokenLink("README.md", "docs/nothing.md"), "docs/nothing.md does not exist");
        assert.equal(
            brokenLink("docs/config.md", "security.md#no-such-section"),
            "docs/security.md has no heading #no-such-section",
        );
        assert.equal(brokenLink("docs/config.md", "security.md#network-policies"), undefined);
    });

    it('every `docs/<file>.md "Section"` reference outside the docs names a heading of that file', () => {
        const problems: string[] = [];
        let count = 0;
        for (const file of referringFiles()) {
            const text = read(file);
            for (const m of text.matchAll(
                /(?<![\w/.-])(README|docs\/[a-z-]+\.md)(?: "([^"\n]+)")?/g,
            )) {
                const doc = m[1] === "README" ? "README.md" : (m[1] ?? "");
                const line = text.slice(0, m.index).split("\n").length;
                if (!fs.existsSync(path.join(PROJECT_DIR, doc))) {
                    problems.push(`${file}:${line}: ${doc} does not exist`);
                    continue;
                }
                const section = m[2];
                if (section === undefined) continue;
                count++;
                const docText = read(doc);
                const titles = headings(docText).map((h) => h.text);
                // "Restoring: verify": the section "Restoring…" and its paragraph "**Verify**".
                const [head, part] = section.split(/: (?=[^:]*$)/);
                const found =
                    titles.some((t) => t.startsWith(section)) ||
                    (part !== undefined &&
                        titles.some((t) => t.startsWith(head ?? "")) &&
                        docText.toLowerCase().includes(`**${part.toLowerCase()}**`));
                if (!found) problems.push(`${file}:${line}: ${doc} has no section "${section}"`);
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(count > 0);
    });

    it("the README's first screen says what this is and gives the two commands", () => {
        const screen = read("README.md").split("\n").slice(0, 40).join("\n");
        assert.match(screen, /^# platform\n\nA Pulumi program \(TypeScript\)/);
        assert.match(screen, /```sh\nnpm ci && npm test\s.*\nnpm run render -- infra\s/);
        // What they print.
        assert.match(screen, /N passing/);
        assert.match(screen, /rendered stack infra to render\/infra: /);
    });

    it("each runnable command the docs show is one CI runs (or says why not)", () => {
        /** Commands a user runs that CI must not: they write into the checkout or need two commits. */
        const NOT_IN_CI: Record<string, string> = {
            "npm run resources -- --write": "rewrites the committed lists; CI runs --check",
        };
        // Each command of .ci/run: its lines split at "&&" and subshell parentheses.
        const ci = read(".ci/run")
            .split("\n")
            .filter((l) => !/^\s*#/.test(l))
            .flatMap((l) => l.split(/&&|[()]/))
            .map((c) => c.trim());
        // The same command, or it with only the output directory given.
        const ciRuns = (command: string) =>
            ci.some((c) => c === command || c.startsWith(`${command} --out `));
        const problems: string[] = [];
        let count = 0;
        for (const file of DOCS) {
            const { prose, code } = split(read(file));
            const inline = prose.flatMap(([n, line]) =>
                [...line.matchAll(/`(npm (?:run \S+ -- [^`]+|test))`/g)].map(
                    (m) => [n, m[1] ?? ""] as [number, string],
                ),
            );
            const blocks = code.flatMap(([n, line]) =>
                line
                    .replace(/\s+#.*$/, "")
                    .split("&&")
                    .map((c) => [n, c.trim()] as [number, string]),
            );
            for (const [n, command] of [...inline, ...blocks]) {
                if (!/^npm (run \S+|test)\b/.test(command)) continue;
                if (/[<[|…]|\.\.\./.test(command)) continue; // a synopsis with placeholders
                count++;
                if (!ciRuns(command) && !(command in NOT_IN_CI)) {
                    problems.push(`${file}:${n}: ${command}`);
                }
            }
        }
        assert.deepEqual(problems, [], "documented commands .ci/run does not run");
        assert.ok(count >= 5);
    });
});
