/**
 * Changes to who may connect: the server's pg_hba (`Cluster.spec.postgresql.pg_hba`, the shared
 * cluster, a restored one and the co-located ones) and each pooler's PgBouncer hba
 * (`Pooler.spec.pgbouncer.pg_hba`). PostgreSQL and PgBouncer take the first rule that matches, so
 * a review sees the rules added and removed, and a reorder, rule by rule.
 */
import type { Change } from "./model";
import { code, what } from "./text";

const HBA_PATHS: Record<string, string[]> = {
    "kubernetes:postgresql.cnpg.io/v1:Cluster": ["spec", "postgresql", "pg_hba"],
    "kubernetes:postgresql.cnpg.io/v1:Pooler": ["spec", "pgbouncer", "pg_hba"],
};

function rulesOf(inputs: Record<string, unknown> | undefined, at: string[]): string[] {
    let cur: unknown = inputs;
    for (const k of at) cur = (cur as Record<string, unknown> | undefined)?.[k];
    return Array.isArray(cur) ? cur.map(String) : [];
}

/** One line per resource whose access rules change, with the rules added and removed. */
export function accessRuleChanges(c: Change): { text: string; notes: string[] } | undefined {
    const at = HBA_PATHS[c.type];
    if (!at) return undefined;
    const before = rulesOf(c.base?.inputs, at);
    const after = c.op === "delete" ? [] : rulesOf(c.head?.inputs, at);
    if (JSON.stringify(before) === JSON.stringify(after)) return undefined;
    const added = after.filter((r) => !before.includes(r));
    const removed = before.filter((r) => !after.includes(r));
    const notes = [
        ...added.map((r) => `+ ${code(r)}`),
        ...removed.map((r) => `- ${code(r)}`),
        ...(added.length === 0 && removed.length === 0
            ? ["same rules in another order: the first rule that matches decides"]
            : []),
    ];
    const verb = c.op === "create" ? "brings" : c.op === "delete" ? "removes" : "changes";
    return { text: `**${verb} access rules** of ${what(c)} (${at.join(".")})`, notes };
}
