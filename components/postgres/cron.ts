/**
 * CloudNativePG's ScheduledBackup schedule is parsed by robfig/cron v1 with a seconds field first
 * (six fields), or a descriptor such as "@daily". A Kubernetes-style five-field cron is accepted by
 * the webhook with a mere warning and shifted one field left: "0 2 * * *" runs at minute 2 of every
 * hour. This module rejects it before anything reaches the cluster.
 */

const FIELD = /^[0-9A-Za-z*?,/#LW-]+$/;
const DESCRIPTORS = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/** Returns why `schedule` is not a six-field CNPG cron, or undefined when it is fine. */
export function cronProblem(schedule: string): string | undefined {
    const trimmed = schedule.trim();
    if (DESCRIPTORS.includes(trimmed) || /^@every [0-9]+[smh]/.test(trimmed)) return undefined;
    const fields = trimmed.split(/\s+/).filter((f) => f !== "");
    if (fields.length === 5) {
        return (
            `has 5 fields, but CloudNativePG schedules have 6 with seconds first; ` +
            `as written it runs at second ${fields[0] ?? "?"} of minute ${fields[1] ?? "?"} of hour ${fields[2] ?? "?"}, ` +
            `not what a 5-field cron means. Write "0 ${trimmed}" (daily at 02:00 is "0 0 2 * * *")`
        );
    }
    if (fields.length !== 6) {
        return `must have 6 space-separated fields (second minute hour day-of-month month day-of-week), such as "0 0 2 * * *", or a descriptor such as "@daily"`;
    }
    const bad = fields.find((f) => !FIELD.test(f));
    if (bad !== undefined) return `field "${bad}" is not a cron field`;
    return undefined;
}
