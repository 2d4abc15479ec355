/** Library messages replaced by what is allowed; missing keys; unknown settings. */
import { one, at, pg, tenant, harbor, app, type Row } from "./rows";

export const MESSAGE_ROWS: Row[] = [
    [
        "a chart repository that is no URL",
        "infra",
        (s) => (s["platform:cnpg"] = { chart: { repository: "charts" } }),
        one(
            '<file>:76:7: platform:cnpg.chart.repository = "charts": must be a URL such as "https://example.com"',
        ),
    ],
    [
        "an empty kubernetes.context",
        "infra",
        (s) => (at(s, "platform:kubernetes").context = ""),
        one('<file>:4:5: platform:kubernetes.context = "": must not be empty'),
    ],
    [
        "an extension with capitals",
        "infra",
        (s) => (at(tenant(s, 1), "databases", 0).extensions = ["PG_TRGM"]),
        one(
            '<file>:39:15: platform:tenants[1] (gitlab).databases[0] (gitlabhq_production).extensions[0] = "PG_TRGM": must be an extension name: lowercase letters, digits, "_" and "-", such as "pg_trgm"',
        ),
    ],
    [
        "a backup endpoint that is no URL",
        "infra",
        (s) => (pg(s).backup = { destinationPath: "s3://bucket/x", endpointURL: "minio:9000" }),
        one(
            '<file>:25:7: platform:postgres.backup.endpointURL = "minio:9000": must be an http:// or https:// URL',
        ),
    ],
    [
        "no role",
        "infra",
        (s) => delete s["platform:role"],
        one('<file>:1:1: platform:role: is required: one of "infra", "apps"'),
    ],
    [
        "an unknown role",
        "infra",
        (s) => (s["platform:role"] = "db"),
        one('<file>:2:3: platform:role = "db": must be one of: "infra", "apps"'),
    ],
    [
        "no admin host",
        "infra",
        (s) => delete pg(s).admin,
        one("<file>:5:3: platform:postgres.admin: is required"),
    ],
    [
        "no tenant name",
        "infra",
        (s) => delete tenant(s, 1).name,
        one("<file>:33:7: platform:tenants[1].name: is required"),
    ],
    [
        "no databases",
        "infra",
        (s) => (tenant(s, 1).databases = []),
        one(
            "<file>:36:7: platform:tenants[1] (gitlab).databases = []: must list at least one database",
        ),
    ],
    [
        "no Harbor gateway",
        "infra",
        (s) => delete harbor(s).gateway,
        one("<file>:55:3: platform:harbor.gateway: is required"),
    ],
    [
        "no infraStack on apps",
        "apps",
        (s) => delete s["platform:infraStack"],
        one(
            '<file>:1:1: platform:infraStack: is required when role is "apps": the infra stack to read through a StackReference, such as "organization/platform/infra"',
        ),
    ],
    [
        "an unknown tenant of an app",
        "apps",
        (s) => (app(s, 0).tenant = "gitlba"),
        one(
            '<file>:13:7: platform:applications[0] (gitlab).tenant = "gitlba": is not a tenant of the infra stack; known tenants (platform:knownTenants): harbor, gitlab',
        ),
    ],
    [
        "an unknown setting",
        "infra",
        (s) => (pg(s).instnaces = 3),
        one(
            '<file>:23:5: platform:postgres.instnaces: is not a setting; did you mean "instances"?',
        ),
    ],
    [
        "a misspelt tenant setting: the closest known key, the tenant by name",
        "infra",
        (s) => (tenant(s, 1).conectionLimit = 20),
        one(
            '<file>:46:7: platform:tenants[1] (gitlab).conectionLimit: is not a setting; did you mean "connectionLimit"?',
        ),
    ],
    [
        "an unknown setting close to none: the known ones",
        "infra",
        (s) => (at(pg(s), "admin").database = "postgres"),
        one(
            "<file>:23:7: platform:postgres.admin.database: is not a setting (known here: host, port, sslmode, sslrootcert)",
        ),
    ],
    [
        "a plain password on a tenant: passwordRotation and the takeover settings",
        "infra",
        (s) => (tenant(s, 1).password = "hunter2"),
        one(
            "<file>:46:7: platform:tenants[1] (gitlab).password: is not a setting: a tenant's password is generated and never written in config; set platform:tenants[1].passwordRotation to a new value to generate another, or keep the role's current password by taking it over from 1Password with platform:takeover.secrets.gitlab-db-password = {item, field} (docs/takeover.md)",
        ),
    ],
];
