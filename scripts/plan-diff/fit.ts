/**
 * The review cut to fit a pull-request comment (GitHub refuses a body over 65,536 characters),
 * by structure, never by bytes: blocks are the text between blank lines, a code fence or a
 * `<details>` element whole (so a cut never leaves a block open). They are kept by rank, in
 * their order: the title and what to look at first, then each stack's heading and counts, then
 * the details (changed values, created and deleted, the picture). A note says what was left out.
 */

export const GITHUB_COMMENT_LIMIT = 65536;

interface Block {
    text: string;
    rank: 0 | 1 | 2;
}

function blocks(markdown: string): Block[] {
    const out: Block[] = [];
    let lines: string[] = [];
    let fence = false;
    let details = 0;
    let section: 0 | 1 | 2 = 0;
    const flush = () => {
        if (lines.length === 0) return;
        const text = lines.join("\n");
        const first = lines[0] ?? "";
        let rank: 0 | 1 | 2 = section;
        if (first.startsWith("### Stack ")) rank = 1;
        else if (first.startsWith("<details>")) rank = 2;
        out.push({ text, rank });
        lines = [];
    };
    for (const line of markdown.split("\n")) {
        if (!fence && details === 0 && line.startsWith("### ")) {
            flush();
            section = line.startsWith("### What to look at first")
                ? 0
                : line.startsWith("### Stack ")
                  ? 1
                  : 2;
        }
        if (line.trim() === "" && !fence && details === 0) {
            flush();
            continue;
        }
        lines.push(line);
        if (/^\s*```/.test(line)) fence = !fence;
        if (!fence) {
            details += (line.match(/<details>/g) ?? []).length;
            details -= (line.match(/<\/details>/g) ?? []).length;
        }
    }
    flush();
    return out;
}

/** `markdown` as it is when it fits in `max` characters, else cut by structure with a note. */
export function fitComment(markdown: string, max: number = GITHUB_COMMENT_LIMIT): string {
    if (markdown.length <= max) return markdown;
    const all = blocks(markdown);
    const note = (n: number) =>
        `_… ${n} of ${all.length} parts of this review left out to fit a comment (${max.toLocaleString("en-US")} characters): the whole review is in the run's summary and its \`offline-review\` artifact._`;
    const budget = max - note(all.length).length - 2;
    const keep = new Map<number, string>();
    let used = 0;
    for (const rank of [0, 1, 2] as const) {
        all.forEach((b, i) => {
            if (b.rank !== rank) return;
            let text = b.text;
            // Flags over the limit on their own: their leading whole lines (the list holds no
            // code); any other block is kept whole or left out.
            if (used + text.length + 2 > budget && rank === 0 && !text.includes("```")) {
                const room = budget - used - 2;
                text = room > 0 ? text.slice(0, Math.max(0, text.lastIndexOf("\n", room))) : "";
            }
            if (text === "" || used + text.length + 2 > budget) return;
            keep.set(i, text);
            used += text.length + 2;
        });
    }
    const body = [...keep.entries()]
        .sort(([x], [y]) => x - y)
        .map(([, t]) => t)
        .join("\n\n");
    const left = all.length - [...keep.keys()].filter((i) => keep.get(i) === all[i]?.text).length;
    return `${body}\n\n${note(left)}\n`;
}
