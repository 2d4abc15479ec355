/** How the review names resources and shows values in Markdown. */
export const short = (type: string) => type.split(":").pop()?.split("/").pop() ?? type;
export const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
export const what = (c: { type: string; name: string }) => `${short(c.type)} ${code(c.name)}`;

export function show(v: unknown): string {
    const s = v === undefined ? "(none)" : JSON.stringify(v);
    return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
