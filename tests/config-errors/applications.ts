/**
 * Applications on the apps stack: pod security, names, tenants and co-located clusters,
 * namespaces.
 */
import { one, many, at, app, type Row } from "./rows";

export const APPLICATION_ROWS: Row[] = [
    [
        "an unknown podSecurity",
        "apps",
        (s) => (app(s, 0).podSecurity = "privileged"),
        one(
            '<file>:14:7: platform:applications[0] (gitlab).podSecurity = "privileged": must be "restricted" or "baseline" (the enforced level), or {enforce, warn, audit}; enforcing "privileged" is refused',
        ),
    ],
    [
        "two applications with one name",
        "apps",
        (s) => (app(s, 1).name = "gitlab"),
        many(
            '<file>:14:7: platform:applications[1] (gitlab).name = "gitlab": is already used by applications[0]; each application needs its own name',
            '<file>:14:7: platform:applications[1] (gitlab).namespace = "gitlab": is already used by applications[0]; each application needs its own namespace',
        ),
    ],
    [
        "an app with a tenant and a co-located cluster",
        "apps",
        (s) => (app(s, 1).tenant = "gitlab"),
        one(
            '<file>:16:7: platform:applications[1] (web).postgres: cannot be combined with tenant "gitlab": an application uses either a shared tenant or a co-located cluster',
        ),
    ],
    [
        "a co-located PostgreSQL 17 image",
        "apps",
        (s) => (at(app(s, 1), "postgres").imageName = "ghcr.io/cloudnative-pg/postgresql:17.2"),
        one(
            '<file>:26:9: platform:applications[1] (web).postgres.imageName = "ghcr.io/cloudnative-pg/postgresql:17.2": must be a PostgreSQL 16 image with its tag, such as "ghcr.io/cloudnative-pg/postgresql:16.15-system-trixie" (CloudNativePG 1.30 defaults to PostgreSQL 18)',
        ),
    ],
    [
        "a database without a tenant",
        "apps",
        (s) => (app(s, 1).database = "web"),
        one(
            "<file>:26:7: platform:applications[1] (web).database = \"web\": needs tenant (it names one of the tenant's databases); a co-located cluster's database is postgres.database",
        ),
    ],
    [
        "an app in kube-system",
        "apps",
        (s) => (app(s, 0).namespace = "kube-system"),
        one(
            '<file>:14:7: platform:applications[0] (gitlab).namespace = "kube-system": is a system or operator namespace; give the application its own',
        ),
    ],
    [
        "an infraStack with spaces",
        "apps",
        (s) => (s["platform:infraStack"] = "my infra"),
        one(
            '<file>:7:3: platform:infraStack = "my infra": must be a stack name such as "infra" (this organization and project) or "organization/platform/infra"',
        ),
    ],
];
