/**
 * What the versions table (./table.ts) says about a version: its support status on a given day,
 * and the steps an upgrade from one version to another takes, with what each step does to the
 * running system. Pure; the render prints the status, plan-diff the steps and their risks, the
 * takeover plan the rule for live versions above the pin.
 */
import * as semver from "semver";
import { VERSIONS, type ComponentId, type ComponentVersions, type Line } from "./table";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A release line ending within this many days is reported as ending soon. */
export const ENDING_SOON_DAYS = 60;

/** `YYYY-MM-DD` of a date (UTC). */
export const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

/** A PostgreSQL image tag read: `16.15-system-trixie` → major 16, minor 15, flavour, OS. */
export interface PgImage {
    major: number;
    minor?: number;
    /** `system`, `standard`, `minimal`; the legacy bare tags (`16.8`) are `system`. */
    flavour: string;
    /** Debian release; the legacy bare tags are bullseye (postgres-containers README, "Deprecated Rolling Tags"). */
    os: string;
    tag: string;
}

/** Reads a CNPG PostgreSQL image reference; undefined when its tag is not one of CNPG's forms. */
export function pgImage(imageName: string): PgImage | undefined {
    const tag = /:([^:@/]+)(@sha256:[a-f0-9]{64})?$/.exec(imageName)?.[1];
    if (!tag) return undefined;
    const m = /^(\d+)(?:\.(\d+))?(?:-(\d{12}))?(?:-(system|standard|minimal)-([a-z]+))?$/.exec(tag);
    if (!m) return undefined;
    return {
        major: Number(m[1]),
        ...(m[2] !== undefined ? { minor: Number(m[2]) } : {}),
        flavour: m[4] ?? "system",
        os: m[5] ?? "bullseye",
        tag,
    };
}

/** The application version a chart (or PostgreSQL image tag) stands for, when the table knows it. */
export function appVersionOf(id: ComponentId, version: string): string | undefined {
    if (id === "postgres") {
        const img = pgImage(`x:${version}`);
        return img ? `${img.major}${img.minor !== undefined ? `.${img.minor}` : ""}` : undefined;
    }
    return VERSIONS[id].charts[version];
}

/** The release line of a version: `1.30` (CNPG), `2.15` (Harbor), `16` (PostgreSQL). */
export function lineOf(id: ComponentId, version: string): string | undefined {
    const app = appVersionOf(id, version);
    if (!app) return undefined;
    if (id === "postgres") return app.split(".")[0];
    const v = semver.coerce(app);
    return v ? `${v.major}.${v.minor}` : undefined;
}

export type SupportLevel = "supported" | "ending" | "pastEndOfLife" | "unknown";

export interface Support {
    level: SupportLevel;
    /** One line: the component, its version, the status and where it was read. */
    text: string;
}

const sourceOf = (c: ComponentVersions) => `${c.source.repo} ${c.source.path} at ${c.source.ref}`;

function windowText(line: Line): string {
    return line.endOfLife
        ? `end of life ${line.approximate ? "~" : ""}${line.endOfLife}`
        : "no end-of-life date";
}

/** The support status of `version` of a component on `today` (injectable so tests are deterministic). */
export function supportStatus(id: ComponentId, version: string, today: Date): Support {
    const c = VERSIONS[id];
    const app = appVersionOf(id, version);
    const name = `${c.title} ${version}${app && app !== version ? ` (${app})` : ""}`;
    if (!app) {
        return {
            level: "unknown",
            text: `${name}: not in the versions table (components/versions/table.ts); add its release there before pinning it`,
        };
    }
    if (c.lines.length === 0) {
        const newest = Object.keys(c.charts).sort(compareVersions).at(-1);
        const isNewest = newest === version;
        return {
            level: isNewest ? "supported" : "unknown",
            text: `${name}: ${isNewest ? "the newest release" : `older than the newest release ${newest}`}; ${c.policy} (${sourceOf(c)})`,
        };
    }
    const lineName = lineOf(id, version);
    const line = c.lines.find((l) => l.line === lineName);
    if (line && !line.endOfLife && line.endsWhen) {
        return {
            level: "supported",
            text: `${name}: supported until ${line.endsWhen} (${sourceOf(c)})`,
        };
    }
    if (!line?.endOfLife) {
        return {
            level: "unknown",
            text: `${name}: no support window for line ${lineName ?? "?"} in the versions table`,
        };
    }
    const days = Math.floor((Date.parse(line.endOfLife) - Date.parse(isoDay(today))) / DAY_MS);
    const level: SupportLevel =
        days < 0 ? "pastEndOfLife" : days <= ENDING_SOON_DAYS ? "ending" : "supported";
    const state =
        level === "pastEndOfLife"
            ? `PAST END OF LIFE since ${line.endOfLife}${line.approximate ? " (approximate)" : ""}`
            : level === "ending"
              ? `supported, ${windowText(line)} (${days} days)`
              : `supported, ${windowText(line)}`;
    return {
        level,
        text: `${name}: ${state} (${sourceOf(c)})${c.newer && level !== "supported" ? `; ${c.newer}` : ""}`,
    };
}

/** Orders chart versions (with or without a leading "v") and PostgreSQL tags. */
export function compareVersions(a: string, b: string): number {
    const va = semver.coerce(a, { includePrerelease: false });
    const vb = semver.coerce(b, { includePrerelease: false });
    if (!va || !vb) return a.localeCompare(b);
    return semver.compare(va, vb);
}

/** One `pulumi up` of an upgrade. */
export interface UpgradeStep {
    /** "run 1 of 2" and what to set. */
    name: string;
    version: string;
    app?: string;
}

export type UpgradePlan =
    | { kind: "same" }
    | { kind: "downgrade"; text: string }
    | { kind: "unknown"; text: string }
    | { kind: "upgrade"; steps: UpgradeStep[]; skipsSteps: boolean; consequences: string[] };

/** The newest chart of each release line the table knows, in order. */
function newestPerLine(id: ComponentId): Map<string, string> {
    const out = new Map<string, string>();
    for (const chart of Object.keys(VERSIONS[id].charts).sort(compareVersions)) {
        const line = lineOf(id, chart);
        if (line) out.set(line, chart);
    }
    return out;
}

const minorOf = (line: string) => Number(line.split(".")[1]);

/**
 * The steps from `from` to `to` under the component's step rule: CNPG through each minor in
 * order (each at the newest chart of that minor), Harbor at most two minors per step, others in
 * one. A downgrade is never a plan: operators and Harbor only migrate forward.
 */
export function planUpgrade(id: ComponentId, from: string, to: string): UpgradePlan {
    const c = VERSIONS[id];
    if (from === to) return { kind: "same" };
    if (id === "postgres") return planPostgres(from, to);
    const [fromApp, toApp] = [appVersionOf(id, from), appVersionOf(id, to)];
    if (!fromApp || !toApp) {
        return {
            kind: "unknown",
            text: `${c.title}: ${!fromApp ? from : to} is not in the versions table (components/versions/table.ts); the steps from ${from} to ${to} cannot be checked`,
        };
    }
    if (compareVersions(to, from) < 0) {
        return {
            kind: "downgrade",
            text: `${c.title} ${from} (${fromApp}) → ${to} (${toApp}) is a downgrade: ${c.id === "harbor" ? "Harbor's database schema migrations only go forward" : "the operator's CRDs and the objects it wrote only move forward"}; keep ${c.configKey} at ${from} or above`,
        };
    }
    const lines = [...newestPerLine(id).keys()];
    const [fromLine, toLine] = [lineOf(id, from) ?? "", lineOf(id, to) ?? ""];
    const path: string[] = [];
    if (c.steps.kind === "eachMinor") {
        for (const l of lines) {
            if (compareVersions(l, fromLine) > 0 && compareVersions(l, toLine) < 0)
                path.push(newestPerLine(id).get(l) ?? l);
        }
    } else if (c.steps.kind === "minors") {
        let at = minorOf(fromLine);
        const max = c.steps.max;
        while (minorOf(toLine) - at > max) {
            at += max;
            const line = `${fromLine.split(".")[0]}.${at}`;
            path.push(newestPerLine(id).get(line) ?? line);
        }
    }
    path.push(to);
    const steps = path.map((version, i) => ({
        name: `run ${i + 1} of ${path.length}: ${c.configKey} = ${version}${appVersionOf(id, version) ? ` (${c.title} ${appVersionOf(id, version)})` : ""}`,
        version,
        ...(appVersionOf(id, version) ? { app: appVersionOf(id, version) } : {}),
    }));
    return { kind: "upgrade", steps, skipsSteps: steps.length > 1, consequences: consequences(id) };
}

/** What one upgrade run does to the running system, per component. */
export function consequences(id: ComponentId, inPlaceInstanceManager = false): string[] {
    switch (id) {
        case "cnpg":
            return inPlaceInstanceManager
                ? [
                      'the operator replaces the instance manager inside every running PostgreSQL pod (ENABLE_INSTANCE_MANAGER_INPLACE_UPDATES): no restart, no switchover (CloudNativePG docs/src/installation_upgrade.md, "In-place updates of the instance manager")',
                  ]
                : [
                      'every instance of every cluster rolls to the new instance manager, one at a time, replicas first and the primary last through a switchover (primaryUpdateStrategy unsupervised): clients reconnect once (CloudNativePG docs/src/installation_upgrade.md, "Upgrades")',
                      "the chart upgrades the CRDs: they only move forward",
                  ];
        case "harbor":
            return [
                "Harbor core migrates its database schema when it starts (goharbor/harbor src/core/main.go, migration.Migrate, at v2.15.1); migrations only go forward, so the way back is a restore: take an on-demand backup of the harbor database first (docs/upgrades.md)",
                "Harbor is unavailable while core migrates and its pods roll",
            ];
        case "barmanCloudPlugin":
            return [
                "the plugin's Deployment rolls; each instance's sidecar takes the new image when its pod is recreated (read the plugin's release notes for a forced rollout)",
            ];
        case "dragonflyOperator":
            return ["the operator rolls; Dragonfly pods roll if the operator changes their spec"];
        case "postgres":
            return [];
    }
}

function planPostgres(from: string, to: string): UpgradePlan {
    const [a, b] = [pgImage(`x:${from}`), pgImage(`x:${to}`)];
    if (!a || !b) {
        return {
            kind: "unknown",
            text: `PostgreSQL: cannot read the version of image tag ${!a ? from : to}`,
        };
    }
    const older = b.major < a.major || (b.major === a.major && (b.minor ?? 0) < (a.minor ?? 0));
    if (older) {
        return {
            kind: "downgrade",
            text: `PostgreSQL ${a.tag} → ${b.tag} is a downgrade: ${b.major < a.major ? "the data directory of a newer major cannot be read by an older one" : "CloudNativePG rolls back a minor only as another rolling update, and nothing is gained"}; keep postgres.imageName at ${a.tag} or newer`,
        };
    }
    const out: string[] = [];
    if (a.os !== b.os) {
        out.push(
            `the image's operating system changes (${a.os} → ${b.os}): glibc's collation data may change, so indexes on text with a libc collation other than C can mis-sort; check SELECT datname, datcollversion, pg_database_collation_actual_version(oid) FROM pg_database and REINDEX what differs`,
        );
    }
    if (a.flavour !== b.flavour) {
        out.push(
            `the image flavour changes (${a.flavour} → ${b.flavour}): only "system" images carry the Barman Cloud tools the in-tree barmanObjectStore needs`,
        );
    }
    if (b.major === a.major) {
        out.push(
            'a PostgreSQL minor update: CloudNativePG rolls the instances, replicas first, the primary last through a switchover (docs/src/postgres_upgrades.md, "Minor Version Upgrades")',
        );
    } else {
        out.push(
            `a PostgreSQL major upgrade ${a.major} → ${b.major}: CloudNativePG's offline in-place upgrade (pg_upgrade --link): every pod stops, the whole cluster is down until it finishes and the replicas are re-cloned; once it succeeded there is no way back but a restore; pre-upgrade backups cannot be used for point-in-time recovery after it, so change the backup serverName with it and take a base backup right after (docs/src/postgres_upgrades.md, "Offline In-Place Major Upgrades", at v1.30.0)`,
        );
        if (a.os !== b.os) {
            out.push(
                `refused by CloudNativePG: a major upgrade needs images of the same operating system (${a.os} → ${b.os}); move the OS first, as a minor update`,
            );
        }
    }
    return {
        kind: "upgrade",
        steps: [
            {
                name: `run 1 of 1: postgres.imageName tag = ${b.tag}`,
                version: to,
                app: `${b.major}${b.minor !== undefined ? `.${b.minor}` : ""}`,
            },
        ],
        skipsSteps: false,
        consequences: out,
    };
}
