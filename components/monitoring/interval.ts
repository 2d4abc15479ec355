/**
 * The longest gap between two runs of a CloudNativePG schedule (robfig/cron v1 syntax, seconds
 * first, as components/postgres/cron.ts validates), so the backup-age alert allows exactly one
 * missed run's worth of time. Exact for schedules that repeat daily (day-of-month, month and
 * day-of-week all `*`) or weekly (only day-of-week restricted) and for descriptors; any other
 * schedule (a day of the month, a month) is bounded by 31 days.
 */

const DAY = 86400;
const WEEK = 7 * DAY;
const DOW_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** The values a numeric cron field selects within [min, max], or undefined if it cannot say. */
function expand(
    field: string,
    min: number,
    max: number,
    names: string[] = [],
): number[] | undefined {
    const out = new Set<number>();
    const value = (s: string): number | undefined => {
        const i = names.indexOf(s.toLowerCase());
        if (i >= 0) return i;
        return /^[0-9]+$/.test(s) ? Number(s) : undefined;
    };
    for (const part of field.split(",")) {
        const [range = "", stepText] = part.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        if (!Number.isInteger(step) || step < 1) return undefined;
        let lo: number | undefined;
        let hi: number | undefined;
        if (range === "*" || range === "?") {
            lo = min;
            hi = max;
        } else if (range.includes("-")) {
            const [a = "", b = ""] = range.split("-");
            lo = value(a);
            hi = value(b);
        } else {
            lo = value(range);
            hi = stepText === undefined ? lo : max;
        }
        if (lo === undefined || hi === undefined || lo < min || hi > max || lo > hi)
            return undefined;
        for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return [...out].sort((a, b) => a - b);
}

function maxGap(times: number[], period: number): number {
    if (times.length === 0) return period;
    let gap = 0;
    times.forEach((t, i) => {
        const next = times[i + 1] ?? (times[0] ?? 0) + period;
        gap = Math.max(gap, next - t);
    });
    return gap;
}

/** Longest interval in seconds between two consecutive runs of `schedule`. */
export function scheduleMaxIntervalSeconds(schedule: string): number {
    const s = schedule.trim();
    const descriptors: Record<string, number> = {
        "@hourly": 3600,
        "@daily": DAY,
        "@midnight": DAY,
        "@weekly": WEEK,
        "@monthly": 31 * DAY,
        "@yearly": 366 * DAY,
        "@annually": 366 * DAY,
    };
    const fixed = descriptors[s];
    if (fixed !== undefined) return fixed;
    const every = /^@every ([0-9]+)([smh])$/.exec(s);
    if (every) return Number(every[1]) * { s: 1, m: 60, h: 3600 }[every[2] as "s" | "m" | "h"];
    const [sec = "", min = "", hour = "", dom = "", month = "", dow = ""] = s.split(/\s+/);
    const secs = expand(sec, 0, 59);
    const mins = expand(min, 0, 59);
    const hours = expand(hour, 0, 23);
    const days = expand(dow, 0, 6, DOW_NAMES);
    if (!secs || !mins || !hours || !days || !["*", "?"].includes(dom) || month !== "*") {
        return 31 * DAY;
    }
    const inDay: number[] = [];
    for (const h of hours)
        for (const m of mins) for (const x of secs) inDay.push(h * 3600 + m * 60 + x);
    if (days.length === 7) return maxGap(inDay, DAY);
    const inWeek: number[] = [];
    for (const d of days) for (const t of inDay) inWeek.push(d * DAY + t);
    return maxGap(inWeek, WEEK);
}
