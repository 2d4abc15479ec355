/**
 * Stack overlays: `npm run apply-overlay -- <overlay file> <stack file>`
 *
 * An overlay is a stack settings file holding only what it adds to a stack (examples/
 * restore-drill.yaml: the `platform:postgres.recovery` block). The render merges it onto the
 * stack's own settings (`npm run render -- <stack> --overlay <file>`); this command writes it into the
 * stack file for `pulumi up`, keeping the file's comments and layout. (`pulumi up --config-file`
 * would replace the stack's settings rather than merge.)
 *
 * Merging: a map merges key by key into the map it lands on; anything else (a value, a list, a
 * `secure:` value) replaces what the stack has at that key.
 */
import * as fs from "node:fs";
import { isDeepStrictEqual, parseArgs } from "node:util";
import * as YAML from "yaml";
import { parseYamlFile, readStackSettings, StackFileError } from "../components/stack-file";

type Settings = Record<string, unknown>;

function isMap(value: unknown): value is Settings {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

const mergeable = (value: unknown): value is Settings => isMap(value) && !("secure" in value);

/** The stack's settings with the overlay's merged onto them (neither argument is changed). */
export function mergeSettings(base: Settings, overlay: Settings): Settings {
    const out: Settings = { ...base };
    for (const [key, value] of Object.entries(overlay)) {
        const current = out[key];
        out[key] = mergeable(current) && mergeable(value) ? mergeSettings(current, value) : value;
    }
    return out;
}

const toJS = (node: unknown): unknown => (YAML.isNode(node) ? node.toJSON() : node);

const keyOf = (pair: YAML.Pair): unknown => (YAML.isScalar(pair.key) ? pair.key.value : pair.key);

const isSecure = (node: unknown) => YAML.isMap(node) && node.has("secure");

/** A text edit of the stack file: replace [start, end) with text. */
interface Edit {
    start: number;
    end: number;
    text: string;
}

/**
 * `key: value` as YAML lines, every line after the first indented; with the comment above the key
 * in the overlay (none when it replaces a key, whose own comment stays).
 */
function pairText(pair: YAML.Pair, indent: string, comment: string | undefined): string {
    const copy = pair.clone();
    if (YAML.isNode(copy.key)) copy.key.commentBefore = comment;
    const doc = new YAML.Document(new YAML.YAMLMap());
    (doc.contents as YAML.YAMLMap).items.push(copy);
    return doc
        .toString()
        .replace(/\n$/, "")
        .split("\n")
        .map((line, i) => (i === 0 || line === "" ? line : indent + line))
        .join("\n");
}

function columnOf(text: string, offset: number): number {
    return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

/**
 * The edits that merge the overlay map into the stack file's block map: a map onto a map
 * recurses, a key the stack has is replaced where it stands, a new key goes after the map's last
 * entry at its indentation. Undefined when the stack's map cannot be edited in place (a flow map,
 * an empty one): the caller then writes the whole document.
 */
function mergeEdits(text: string, target: YAML.YAMLMap, overlay: YAML.YAMLMap): Edit[] | undefined {
    if (target.flow || target.items.length === 0 || !target.range) return undefined;
    const first = target.items[0]?.key;
    if (!YAML.isNode(first) || !first.range) return undefined;
    const indent = " ".repeat(columnOf(text, first.range[0]));
    const edits: Edit[] = [];
    const added: string[] = [];
    for (const [i, pair] of overlay.items.entries()) {
        const existing = target.items.find((p) => keyOf(p) === keyOf(pair));
        if (!existing) {
            // A comment above a map's first key belongs to the map in the `yaml` model.
            const own = YAML.isNode(pair.key) ? (pair.key.commentBefore ?? undefined) : undefined;
            const comment = i === 0 && overlay.commentBefore ? overlay.commentBefore : own;
            added.push(indent + pairText(pair, indent, comment));
            continue;
        }
        const value = existing.value;
        if (
            YAML.isMap(value) &&
            YAML.isMap(pair.value) &&
            !isSecure(value) &&
            !isSecure(pair.value)
        ) {
            const inner = mergeEdits(text, value, pair.value);
            if (!inner) return undefined;
            edits.push(...inner);
            continue;
        }
        // The same value: nothing to write (applying an overlay twice changes nothing).
        if (isDeepStrictEqual(toJS(value), toJS(pair.value))) continue;
        const keyNode = existing.key;
        if (!YAML.isNode(keyNode) || !keyNode.range) return undefined;
        const end = YAML.isNode(value) && value.range ? value.range[1] : keyNode.range[1];
        edits.push({ start: keyNode.range[0], end, text: pairText(pair, indent, undefined) });
    }
    if (added.length > 0) {
        let at = target.range[1];
        if (text[at - 1] !== "\n") {
            const newline = text.indexOf("\n", at);
            at = newline < 0 ? text.length : newline + 1;
        }
        const lead = at === text.length && !text.endsWith("\n") ? "\n" : "";
        edits.push({ start: at, end: at, text: `${lead}${added.join("\n")}\n` });
    }
    return edits;
}

/**
 * The stack file's text with the overlay's `config:` merged in as `mergeSettings` merges, by
 * editing the text where the keys are (node ranges of the `yaml` Document API): every line of the
 * stack file that the overlay does not replace stays byte for byte, comments and flow styles
 * included; the overlay's own comments come along with its keys.
 */
export function applyOverlayText(
    stackFile: string,
    stackText: string,
    overlayFile: string,
    overlayText: string,
): string {
    // Both files must be valid settings files (the errors name the file and line).
    const stackSettings = readStackSettings(stackFile, stackText);
    const overlaySettings = readStackSettings(overlayFile, overlayText);
    const doc = YAML.parseDocument(stackText);
    const config = YAML.parseDocument(overlayText).get("config", true);
    if (!YAML.isMap(config) || config.items.length === 0) return stackText;
    const target = doc.get("config", true);
    const edits = YAML.isMap(target) ? mergeEdits(stackText, target, config) : undefined;
    if (!edits) {
        // No block map to edit in place: write the merged settings as a whole document.
        doc.set("config", doc.createNode(mergeSettings(stackSettings, overlaySettings)));
        return doc.toString();
    }
    let out = stackText;
    for (const edit of edits.sort((a, b) => b.start - a.start)) {
        out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
    }
    return out;
}

function main(argv: string[]): number {
    const { positionals, values } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { help: { type: "boolean", short: "h" } },
    });
    const [overlayFile, stackFile] = positionals;
    if (values.help || !overlayFile || !stackFile || positionals.length > 2) {
        console.error("usage: npm run apply-overlay -- <overlay file> <stack file>");
        return values.help ? 0 : 2;
    }
    for (const file of [overlayFile, stackFile]) {
        if (!fs.existsSync(file)) {
            console.error(`apply-overlay: no file ${file}`);
            return 2;
        }
    }
    const before = fs.readFileSync(stackFile, "utf8");
    const after = applyOverlayText(
        stackFile,
        before,
        overlayFile,
        fs.readFileSync(overlayFile, "utf8"),
    );
    // What was written parses to the merge the render uses.
    parseYamlFile(stackFile, after);
    fs.writeFileSync(stackFile, after);
    console.log(
        before === after
            ? `apply-overlay: ${stackFile} already holds ${overlayFile}`
            : `apply-overlay: merged ${overlayFile} into ${stackFile}`,
    );
    return 0;
}

if (require.main === module) {
    try {
        process.exit(main(process.argv.slice(2)));
    } catch (e) {
        if (!(e instanceof StackFileError)) throw e;
        console.error(e.message);
        process.exit(1);
    }
}
