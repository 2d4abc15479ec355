/** The shape of a promtool case (tests/promtool/cases.ts, backup-cases.ts). */
export interface Series {
    series: string;
    values: string;
}

/** Which render a case runs against (scripts/test-rules.ts SUITES); default `infra`. */
export type Suite = "infra" | "infra-in-tree" | "apps";

export interface AlertCase {
    suite?: Suite;
    name: string;
    alert: string;
    interval?: string;
    evalTime: string;
    series: Series[];
    /** Labels of each expected alert (without alertname); [] = must stay silent. */
    expect: Record<string, string>[];
}
