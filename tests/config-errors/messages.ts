/** Library messages replaced by what is allowed; missing keys; unknown settings. */
import { one, at, pg, tenant, harbor, app, type Row } from "./rows";

export const MESSAGE_ROWS: Row[] = [
    [
        "a chart repository that is no URL",
        "infra",
        (s) => (s["platform:cnpg"] = { chart: { repository: "charts" } }),
        one(
            'platform:cnpg.chart.repository = "charts": must be a URL such as "https://example.com"',
        ),
    ],
    [
        "an empty kubernetes.context",
        "infra",
        (s) => (at(s, "platform:kubernetes").context = ""),
        one('platform:kubernetes.context = "": must not be empty'),
    ],
    [
        "an extension with capitals",
        "infra",
        (s) => (at(tenant(s, 1), "databases", 0).extensions = ["PG_TRGM"]),
        one(
            'platform:tenants[1].databases[0].extensions[0] = "PG_TRGM": must be an extension name: lowercase letters, digits, "_" and "-", such as "pg_trgm"',
        ),
    ],
    [
        "a backup endpoint that is no URL",
        "infra",
        (s) => (pg(s).backup = { destinationPath: "s3://bucket/x", endpointURL: "minio:9000" }),
        one(
            'platform:postgres.backup.endpointURL = "minio:9000": must be an http:// or https:// URL',
        ),
    ],
    [
        "no role",
        "infra",
        (s) => delete s["platform:role"],
        one('platform:role: is required: one of "infra", "apps"'),
    ],
    [
        "an unknown role",
        "infra",
        (s) => (s["platform:role"] = "db"),
        one('platform:role = "db": must be one of: "infra", "apps"'),
    ],
    [
        "no admin host",
        "infra",
        (s) => delete pg(s).admin,
        one("platform:postgres.admin: is required"),
    ],
    [
        "no tenant name",
        "infra",
        (s) => delete tenant(s, 1).name,
        one("platform:tenants[1].name: is required"),
    ],
    [
        "no databases",
        "infra",
        (s) => (tenant(s, 1).databases = []),
        one("platform:tenants[1].databases = []: must list at least one database"),
    ],
    [
        "no Harbor gateway",
        "infra",
        (s) => delete harbor(s).gateway,
        one("platform:harbor.gateway: is required"),
    ],
    [
        "no infraStack on apps",
        "apps",
        (s) => delete s["platform:infraStack"],
        one(
            'platform:infraStack: is required when role is "apps": the infra stack to read through a StackReference, such as "organization/platform/infra"',
        ),
    ],
    [
        "an unknown tenant of an app",
        "apps",
        (s) => (app(s, 0).tenant = "gitlba"),
        one(
            'platform:applications[0].tenant = "gitlba": is not a tenant of the infra stack; known tenants (platform:knownTenants): harbor, gitlab',
        ),
    ],
    [
        "an unknown setting",
        "infra",
        (s) => (pg(s).instnaces = 3),
        one(
            'platform:postgres: unknown setting "instnaces" (check the spelling against Pulumi.yaml)',
        ),
    ],
];
