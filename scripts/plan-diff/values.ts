/** Value diff: the leaf-level differences between two resources' inputs. */
import type { ValueChange } from "./model";

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function keyPath(at: string, key: string): string {
    const part = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? key : JSON.stringify(key);
    return at ? (part.startsWith('"') ? `${at}[${part}]` : `${at}.${part}`) : part;
}

/** Leaf-level differences; arrays of equal length element by element, else as one value. */
export function valueChanges(before: unknown, after: unknown, at = ""): ValueChange[] {
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => valueChanges(before[k], after[k], keyPath(at, k)));
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
        return before.flatMap((b, i) => valueChanges(b, after[i], `${at}[${i}]`));
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        // Lists that grow or shrink (DNS names, grants): what leaves and what joins.
        const key = (v: unknown) => JSON.stringify(v);
        const olds = before as unknown[];
        const news = after as unknown[];
        const a = new Set(news.map(key));
        const b = new Set(olds.map(key));
        return [
            ...olds
                .filter((v) => !a.has(key(v)))
                .map((v): ValueChange => ({ path: `${at}[]`, before: v })),
            ...news
                .filter((v) => !b.has(key(v)))
                .map((v): ValueChange => ({ path: `${at}[]`, after: v })),
        ];
    }
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    return [{ path: at || "(value)", before, after }];
}
