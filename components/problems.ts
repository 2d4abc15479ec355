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
}

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
    return `${p.key.includes(":") ? p.key : `${NAMESPACE}:${p.key}`}${shown}: ${p.message}`;
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
