/**
 * The versions table: per component, the pin, the releases the program knows (chart → app), each
 * release line's support window and end of life with the upstream file and tag it was read from,
 * and the rule for upgrade steps. Data only; components/versions/support.ts reads it.
 *
 * When upstream ships a release: add its chart → app row and (for a new line) its window here,
 * raise the pin, and the versions spec and `npm run render` say what changed. Renovate
 * (renovate.json5) opens the pull request that raises the pin; this table is what it cannot know.
 */

/** The components the program pins, by the id the rest of the program uses. */
export type ComponentId =
    "cnpg" | "barmanCloudPlugin" | "harbor" | "dragonflyOperator" | "postgres";

/** Where a fact was read: repository, tag (or commit) and file. */
export interface Source {
    repo: string;
    ref: string;
    path: string;
}

/** One release line (a minor, or a PostgreSQL major): its dates, ISO `YYYY-MM-DD`. */
export interface Line {
    line: string;
    released?: string;
    /** End of life; `approximate` when upstream gives a month ("~ Dec 2026") or a rule. */
    endOfLife?: string;
    approximate?: boolean;
    /** Instead of a date: the event that ends the line (Harbor: the third newer minor ships). */
    endsWhen?: string;
}

/**
 * How far one `pulumi up` may move: `eachMinor` through every minor in order (CNPG),
 * `minors: n` at most n minors per step (Harbor: two), `forward` any newer release.
 */
export type StepRule =
    { kind: "eachMinor" } | { kind: "minors"; max: number } | { kind: "forward" };

export interface ComponentVersions {
    id: ComponentId;
    title: string;
    /** The config key that holds the pin (what a user raises). */
    configKey: string;
    /** The Helm release that installs it (plan-diff finds the version there); none for PostgreSQL. */
    release?: string;
    /** The pinned chart (or, for PostgreSQL, the image tag). */
    pin: string;
    /** Chart version → application version, every chart the program knows. */
    charts: Readonly<Record<string, string>>;
    /** Support windows by release line (app minor, or PostgreSQL major), newest first. */
    lines: readonly Line[];
    /** The support policy in one sentence, and where it was read. */
    policy: string;
    source: Source;
    steps: StepRule;
    /** Newer upstream releases the pin does not take yet, and why. */
    newer?: string;
}

const CNPG_DOCS: Source = {
    repo: "cloudnative-pg/cloudnative-pg",
    ref: "v1.30.0",
    path: "docs/src/supported_releases.md",
};

export const VERSIONS: Readonly<Record<ComponentId, ComponentVersions>> = {
    cnpg: {
        id: "cnpg",
        title: "CloudNativePG operator",
        configKey: "cnpg.chart.version",
        release: "cloudnative-pg",
        // renovate: datasource=helm depName=cloudnative-pg registryUrl=https://cloudnative-pg.github.io/charts
        pin: "0.29.0",
        // cloudnative-pg/charts tags cloudnative-pg-v<chart>, charts/cloudnative-pg/Chart.yaml appVersion.
        charts: {
            "0.22.0": "1.24.0",
            "0.22.1": "1.24.1",
            "0.23.0": "1.25.0",
            "0.23.1": "1.25.0",
            "0.23.2": "1.25.1",
            "0.24.0": "1.26.0",
            "0.25.0": "1.26.1",
            "0.26.0": "1.27.0",
            "0.26.1": "1.27.1",
            "0.27.0": "1.28.0",
            "0.27.1": "1.28.1",
            "0.28.0": "1.29.0",
            "0.28.1": "1.29.1",
            "0.28.2": "1.29.1",
            "0.28.3": "1.29.1",
            "0.29.0": "1.30.0",
        },
        lines: [
            { line: "1.30", released: "2026-06-29", endOfLife: "2026-12-31", approximate: true },
            { line: "1.29", released: "2026-03-31", endOfLife: "2026-09-29" },
            { line: "1.28", released: "2025-12-09", endOfLife: "2026-06-30" },
            { line: "1.27", released: "2025-08-12", endOfLife: "2026-03-09" },
            { line: "1.26", released: "2025-05-23", endOfLife: "2025-11-12" },
            { line: "1.25", released: "2024-12-23", endOfLife: "2025-08-22" },
            { line: "1.24", released: "2024-08-22", endOfLife: "2025-05-23" },
        ],
        policy: "the newest minor and the one before it are supported; the docs ask to upgrade through each version in order, not skip (docs/src/installation_upgrade.md)",
        source: CNPG_DOCS,
        steps: { kind: "eachMinor" },
        newer: "1.31.0 was due ~Sep 2026 and 1.32.0 ~Dec 2026 (supported_releases.md); neither is in the fetched repositories, and no chart ships 1.29.2 or 1.28.4. 1.31.0 removes the in-tree barmanObjectStore (the 1.30.0 webhook's deprecation warning, internal/webhook/v1/cluster_webhook.go getInTreeBarmanWarnings): a stack with cnpg.barmanCloudPlugin.enabled false moves to the plugin first",
    },
    barmanCloudPlugin: {
        id: "barmanCloudPlugin",
        title: "Barman Cloud plugin",
        configKey: "cnpg.barmanCloudPlugin.chart.version",
        release: "plugin-barman-cloud",
        // renovate: datasource=helm depName=plugin-barman-cloud registryUrl=https://cloudnative-pg.github.io/charts
        pin: "0.7.0",
        // cloudnative-pg/charts tags plugin-barman-cloud-v<chart>, charts/plugin-barman-cloud/Chart.yaml.
        charts: { "0.5.0": "v0.11.0", "0.6.0": "v0.12.0", "0.7.0": "v0.13.0" },
        lines: [],
        policy: "no published support window: only the newest release gets fixes",
        source: {
            repo: "cloudnative-pg/charts",
            ref: "plugin-barman-cloud-v0.7.0",
            path: "charts/plugin-barman-cloud/Chart.yaml",
        },
        steps: { kind: "forward" },
        newer: "plugin v0.14.0 exists as a tag (cloudnative-pg/plugin-barman-cloud) without a chart; the chart 0.7.0 = v0.13.0 stays pinned until cloudnative-pg/charts ships one",
    },
    harbor: {
        id: "harbor",
        title: "Harbor",
        configKey: "harbor.chart.version",
        release: "harbor",
        // renovate: datasource=helm depName=harbor registryUrl=https://helm.goharbor.io
        pin: "1.19.1",
        // goharbor/harbor-helm tags v<chart>, Chart.yaml appVersion.
        charts: {
            "1.15.0": "2.11.0",
            "1.16.0": "2.12.0",
            "1.16.1": "2.12.1",
            "1.16.2": "2.12.2",
            "1.16.3": "2.12.3",
            "1.16.4": "2.12.4",
            "1.17.0": "2.13.0",
            "1.17.1": "2.13.1",
            "1.17.2": "2.13.2",
            "1.17.3": "2.13.3",
            "1.17.4": "2.13.4",
            "1.18.0": "2.14.0",
            "1.18.1": "2.14.1",
            "1.18.2": "2.14.2",
            "1.18.3": "2.14.3",
            "1.18.4": "2.14.4",
            "1.19.0": "2.15.0",
            "1.19.1": "2.15.1",
        },
        // Release dates: goharbor/harbor tag v<line>.0. A line is maintained while it is one of the
        // three most recent minors (the "~9 months" of RELEASES.md follows from the cadence): 2.12
        // left when 2.15.0 came out; no 2.16 is tagged, so 2.13 – 2.15 are maintained. The support
        // matrix in RELEASES.md at v2.15.1 still lists 2.11 – 2.13 (not updated); the rule is used.
        lines: [
            { line: "2.15", released: "2026-03-19", endsWhen: "Harbor 2.18.0 ships" },
            { line: "2.14", released: "2025-09-09", endsWhen: "Harbor 2.17.0 ships" },
            {
                line: "2.13",
                released: "2025-04-09",
                endsWhen: "Harbor 2.16.0 ships (not tagged yet)",
            },
            { line: "2.12", released: "2024-11-05", endOfLife: "2026-03-19" },
            { line: "2.11", released: "2024-06-04", endOfLife: "2025-09-09" },
        ],
        policy: "the three most recent minors are maintained, about 9 months each; an upgrade starts at most two minors back (2.12 → 2.14 → 2.15)",
        source: { repo: "goharbor/harbor", ref: "v2.15.1", path: "RELEASES.md" },
        steps: { kind: "minors", max: 2 },
        newer: "Harbor v2.15.2 is tagged in goharbor/harbor; harbor-helm has no chart for it yet",
    },
    dragonflyOperator: {
        id: "dragonflyOperator",
        title: "Dragonfly operator",
        configKey: "dragonfly.operator.chart.version",
        release: "dragonfly-operator",
        // renovate: datasource=docker depName=ghcr.io/dragonflydb/dragonfly-operator/helm/dragonfly-operator
        pin: "v1.6.1",
        charts: { "v1.6.1": "v1.6.1" },
        lines: [],
        policy: "no published support window: only the newest release gets fixes",
        source: {
            repo: "dragonflydb/dragonfly-operator",
            ref: "v1.6.1",
            path: "charts/dragonfly-operator/Chart.yaml",
        },
        steps: { kind: "forward" },
    },
    postgres: {
        id: "postgres",
        title: "PostgreSQL",
        configKey: "postgres.imageName",
        // renovate: datasource=docker depName=ghcr.io/cloudnative-pg/postgresql
        pin: "16.15-system-trixie",
        // The newest minor of each major: cloudnative-pg/postgres-containers docker-bake.hcl and
        // Debian/ClusterImageCatalog-*.yaml at a949ae5 (16.15; CNPG v1.30.0's .github/pg_versions.json
        // still lists 16.14).
        charts: { "14": "14.24", "15": "15.19", "16": "16.15", "17": "17.11", "18": "18.6" },
        // Community end of life: the PostgreSQL versioning policy (five years); CNPG 1.30 supports
        // 14 – 18 (supported_releases.md).
        lines: [
            { line: "18", released: "2025-09-25", endOfLife: "2030-11-14", approximate: true },
            { line: "17", released: "2024-09-26", endOfLife: "2029-11-08", approximate: true },
            { line: "16", released: "2023-09-14", endOfLife: "2028-11-09", approximate: true },
            { line: "15", released: "2022-10-13", endOfLife: "2027-11-11", approximate: true },
            { line: "14", released: "2021-09-30", endOfLife: "2026-11-12", approximate: true },
        ],
        policy: "a major is supported five years by the PostgreSQL community and by CloudNativePG 1.30 from 14 to 18; a minor rolls the instances, a major is CloudNativePG's offline in-place upgrade",
        source: {
            repo: "cloudnative-pg/postgres-containers",
            ref: "a949ae5",
            path: "docker-bake.hcl",
        },
        steps: { kind: "forward" },
    },
};

export const COMPONENT_IDS = Object.keys(VERSIONS) as ComponentId[];
