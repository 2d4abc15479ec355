/**
 * The config error format every area reports in: a `Problem` names the key path (without the
 * `platform:` namespace), the offending value and what is allowed; a `ConfigError` lists them
 * all. This module imports no area, so every area's checks can use it without an import cycle.
 */

export const NAMESPACE = "platform";

/** A config problem: the key path (without the namespace), the offending value, what is allowed. */
export interface Problem {
    key: string;
    value?: unknown;
    message: string;
    /** Where the key is written: `<file>:<line>:<column>`, when read from a stack file. */
    location?: string;
    /** The key as printed, each list entry with its name: `tenants[1] (gitlab).connectionLimit`. */
    label?: string;
}

/** Where a problem's key is written (`<file>:<line>:<column>`), or undefined when unknown. */
export type Locator = (key: string) => string | undefined;

/** Keys whose values are never printed in an error. */
const SECRET_KEYS = new Set(["kubeconfig"]);

export class ConfigError extends Error {
    constructor(public readonly problems: Problem[]) {
        super(
            `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

export function formatProblem(p: Problem): string {
    const top = p.key.split(/[.[]/)[0] ?? p.key;
    const shown =
        p.value === undefined
            ? ""
            : SECRET_KEYS.has(top)
              ? " = [secret]"
              : ` = ${truncate(JSON.stringify(p.value))}`;
    // A key with its namespace (a foreign or misspelt one) is printed as given.
    const key = p.label ?? p.key;
    const where = p.location ? `${p.location}: ` : "";
    return `${where}${key.includes(":") ? key : `${NAMESPACE}:${key}`}${shown}: ${p.message}`;
}

/**
 * The segments of a problem key, read against the value it points into: map keys may hold dots
 * (`annotations.lbipam.cilium.io/ips`), so at each map the longest key that prefixes the rest wins.
 * `keysOf` lists a map's keys (undefined for anything else), `itemOf` steps into a map or list.
 */
export function keySegments<T>(
    key: string,
    root: T,
    keysOf: (node: T) => string[] | undefined,
    itemOf: (node: T, seg: string | number) => T | undefined,
): { segments: (string | number)[]; nodes: T[]; rest: string } {
    const segments: (string | number)[] = [];
    const nodes: T[] = [];
    let node: T | undefined = root;
    let rest = key;
    while (rest !== "" && node !== undefined) {
        const before = rest;
        const index = /^\[(\d+)\]\.?/.exec(rest);
        let seg: string | number;
        if (index) {
            seg = Number(index[1]);
            rest = rest.slice(index[0].length);
        } else {
            const keys = keysOf(node) ?? [];
            const hit = keys
                .filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`))
                .sort((a, b) => b.length - a.length)[0];
            if (hit === undefined) break;
            seg = hit;
            rest = rest.slice(hit.length).replace(/^\./, "");
        }
        const next = itemOf(node, seg);
        if (next === undefined) {
            rest = before;
            break;
        }
        segments.push(seg);
        nodes.push(next);
        node = next;
    }
    return { segments, nodes, rest };
}

const plainKeys = (node: unknown) =>
    typeof node === "object" && node !== null && !Array.isArray(node)
        ? Object.keys(node)
        : undefined;
const plainItem = (node: unknown, seg: string | number): unknown => {
    if (typeof seg === "number") return Array.isArray(node) ? (node[seg] as unknown) : undefined;
    const keys = plainKeys(node);
    return keys?.includes(seg) ? (node as Record<string, unknown>)[seg] : undefined;
};

/**
 * A key as printed, each list entry followed by its `name` where it has one:
 * `tenants[1].conectionLimit` → `tenants[1] (gitlab).conectionLimit`. Keys with a namespace are
 * returned as given.
 */
export function labelKey(key: string, input: unknown): string {
    if (key.includes(":")) return key;
    const { segments, nodes, rest } = keySegments(key, input, plainKeys, plainItem);
    let label = "";
    segments.forEach((seg, i) => {
        if (typeof seg === "number") {
            label += `[${seg}]`;
            const name = (nodes[i] as { name?: unknown } | null)?.name;
            if (typeof name === "string" && name !== "") label += ` (${name})`;
        } else label += label === "" ? seg : `.${seg}`;
    });
    if (rest !== "") label += label === "" || rest.startsWith("[") ? rest : `.${rest}`;
    return label;
}

/** Problems with each key named (list entries by name) and placed in its file, where known. */
export function describeProblems(
    problems: readonly Problem[],
    input: unknown,
    locate?: Locator,
): Problem[] {
    return problems.map((p) => {
        const location = p.location ?? locate?.(p.key);
        return {
            ...p,
            label: p.label ?? labelKey(p.key, input),
            ...(location === undefined ? {} : { location }),
        };
    });
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0] ?? 0;
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const cur = row[j] ?? 0;
            row[j] = Math.min(
                cur + 1,
                (row[j - 1] ?? 0) + 1,
                prev + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
            prev = cur;
        }
    }
    return row[b.length] ?? 0;
}

/**
 * The known word closest to `word`, if it is close enough to be a slip: the same word in another
 * case, or at most a third of its letters (at least 2) away.
 */
export function closest(word: string, known: readonly string[]): string | undefined {
    const lower = word.toLowerCase();
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of known) {
        const d = editDistance(lower, candidate.toLowerCase());
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function truncate(s: string): string {
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A zod issue path as a config key: `tenants[0].pooler.instances`. */
export function pathToKey(path: readonly PropertyKey[]): string {
    let key = "";
    for (const seg of path) {
        if (typeof seg === "number") key += `[${seg}]`;
        else key += key === "" ? String(seg) : `.${String(seg)}`;
    }
    return key;
}

/** Index of the entry that already uses `value`, or undefined after recording entry `index` as its user. */
export function claim(seen: Map<string, number>, value: string, index: number): number | undefined {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    return first;
}
