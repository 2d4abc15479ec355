/**
 * A row of the config-errors table: a title, the stack, the stack file content or an edit of the
 * spec's fixture stack (tests/fixtures/config-errors), and the exact error ("" when accepted).
 * The helpers reach into the fixture's settings and write the error as ConfigError prints it.
 */
export type Settings = Record<string, unknown>;
export type Obj = Record<string, unknown>;
export type Stack = "infra" | "apps";

export type Row = [
    title: string,
    stack: Stack,
    input: string | ((s: Settings) => void),
    error: string,
];

/** One problem, as ConfigError prints it. */
export const one = (line: string) => `invalid configuration (1 problem):\n  - ${line}`;
export const many = (...lines: string[]) =>
    `invalid configuration (${lines.length} problems):\n${lines.map((l) => `  - ${l}`).join("\n")}`;

export const at = (o: unknown, ...keys: (string | number)[]): Obj => {
    let cur = o as Obj;
    for (const k of keys) cur = (cur as Record<string | number, unknown>)[k] as Obj;
    return cur;
};
export const pg = (s: Settings) => at(s, "platform:postgres");
export const tenant = (s: Settings, i: number) => at(s, "platform:tenants", i);
export const harbor = (s: Settings) => at(s, "platform:harbor");
export const projects = (s: Settings) =>
    at(s, "platform:harborProjects", "projects") as unknown as Obj[];
export const app = (s: Settings, i: number) => at(s, "platform:applications", i);
