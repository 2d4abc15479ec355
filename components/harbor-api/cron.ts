// Harbor schedules (GC, tag retention) use 6-field cron expressions with seconds first:
// "0 0 2 * * *" is every day at 02:00 (Harbor runs schedules in UTC).

const FIELD_NAMES = ["seconds", "minutes", "hours", "day of month", "month", "day of week"];
const FIELD_PATTERN =
    /^(?:\*|\?|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/[0-9]+)?(?:,(?:\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/[0-9]+)?)*$/;

/** Returns why `cron` is not a valid Harbor cron expression, or undefined when it is valid. */
export function harborCronProblem(cron: unknown): string | undefined {
    if (typeof cron !== "string" || cron.trim() === "") {
        return 'a cron expression is required, e.g. "0 0 2 * * *" for daily at 02:00 UTC';
    }
    const fields = cron.trim().split(/\s+/);
    if (fields.length === 5) {
        return (
            `"${cron}" has 5 fields, but Harbor cron expressions have 6 fields with seconds ` +
            `first; did you mean "0 ${fields.join(" ")}"?`
        );
    }
    if (fields.length !== 6) {
        return (
            `"${cron}" has ${fields.length} fields, but Harbor cron expressions have 6 fields ` +
            `(seconds minutes hours day-of-month month day-of-week), e.g. "0 0 2 * * *"`
        );
    }
    for (let i = 0; i < fields.length; i++) {
        const field = fields[i] ?? "";
        if (!FIELD_PATTERN.test(field)) {
            return `"${cron}" has an invalid ${FIELD_NAMES[i] ?? "cron"} field "${field}"`;
        }
    }
    return undefined;
}

/** Throws an Error naming `what` when `cron` is not a valid 6-field Harbor cron expression. */
export function assertHarborCron(cron: unknown, what: string): void {
    const problem = harborCronProblem(cron);
    if (problem !== undefined) {
        throw new Error(`${what}: ${problem}`);
    }
}
