/**
 * The SQL that the PostgreSQL provider issues to create each rendered `postgresql:*` resource.
 *
 * `@pulumi/postgresql` 3.18.1 is pulumi/pulumi-postgresql, whose provider builds
 * cyrilgdn/terraform-provider-postgresql from its `upstream` submodule: commit
 * ff936b9548c1076f498523a2bd116915ff977142 (v1.26.0-3-gff936b9; provider/go.mod replaces the module
 * with ../upstream). The statements below follow these functions of that commit, in the order they
 * run them:
 *
 * - postgresql/resource_postgresql_role.go: resourcePostgreSQLRoleCreate (CREATE ROLE … WITH
 *   <password/VALID UNTIL> <CONNECTION LIMIT> <bool options>), then grantRoles, alterSearchPath,
 *   setStatementTimeout, setIdleInTransactionSessionTimeout, setAssumeRole, in one transaction;
 *   the `password` literal goes in as given (ENCRYPTED is a noise word since PostgreSQL 10).
 *   setRolePassword (update) and readRolePassword (refresh) are rolePasswordUpdateSql and
 *   refreshedRolePassword below.
 * - postgresql/resource_postgresql_database.go: createDatabase (grantRoleMembership of the owner to
 *   the connecting user, CREATE DATABASE … OWNER … TEMPLATE … ENCODING … ALLOW_CONNECTIONS …
 *   CONNECTION LIMIT … IS_TEMPLATE …, then revokeRoleMembership). Its separate lock transaction
 *   (pgLockRole on the connecting user) only serialises concurrent creations and is left out: the
 *   tier applies one resource at a time.
 * - postgresql/resource_postgresql_grant.go: resourcePostgreSQLGrantCreateOrUpdate with
 *   validatePrivileges (helpers.go allowedPrivileges), pgLockRole, pgLockDatabase, then
 *   revokeRolePrivileges (createRevokeQuery) and grantRolePrivileges (createGrantQuery) in one
 *   transaction on the grant's database. With a superuser, withRolesGranted runs them directly.
 * - postgresql/resource_postgresql_extension.go: resourcePostgreSQLExtensionCreate (CREATE EXTENSION
 *   IF NOT EXISTS … [SCHEMA] [VERSION] [CASCADE]) in a transaction on getDatabaseForExtension.
 *
 * Pulumi input names are the bridge's camelCase of the Terraform attributes (connectionLimit =
 * connection_limit, searchPaths = search_path, …). Any resource type, provider setting or input the
 * translation does not know is an error, so a new kind of resource cannot go untested silently.
 */
import * as crypto from "node:crypto";
import { unwrap, type Registration } from "../../scripts/mock-runtime";

export interface Statement {
    text: string;
    values?: unknown[];
}

/** Statements run on one connection to `database`, inside BEGIN/COMMIT when `transaction`. */
export interface SqlStep {
    database: string;
    transaction: boolean;
    statements: Statement[];
}

/** A rendered resource with the SQL that creates it. */
export interface PlannedResource {
    ref: string;
    type: string;
    name: string;
    /** The tenant (platform:postgres:Tenant component) the resource belongs to, if any. */
    tenant?: string;
    /** The database the resource acts in, for messages. */
    database?: string;
    dependencies: string[];
    steps: SqlStep[];
}

/** How the provider connects (the rendered `pulumi:providers:postgresql`). */
export interface ProviderSettings {
    host: string;
    port: number;
    username: string;
    password: string;
    database: string;
    sslmode: string;
}

export class TranslationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "TranslationError";
    }
}

export const PROVIDER_TYPE = "pulumi:providers:postgresql";
export const ROLE_TYPE = "postgresql:index/role:Role";
export const DATABASE_TYPE = "postgresql:index/database:Database";
export const GRANT_TYPE = "postgresql:index/grant:Grant";
export const EXTENSION_TYPE = "postgresql:index/extension:Extension";

/** lib/pq QuoteIdentifier. */
export function quoteIdent(name: string): string {
    const end = name.indexOf("\u0000");
    const n = end >= 0 ? name.slice(0, end) : name;
    return `"${n.replace(/"/g, '""')}"`;
}

/** helpers.go pqQuoteLiteral (the provider wraps the result in single quotes itself). */
export function quoteLiteralBody(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/'/g, "''");
}

const ref = (r: Registration) => `${r.type}::${r.name}`;

function checkFields(r: Registration, inputs: Record<string, unknown>, known: string[]): void {
    const unknown = Object.keys(inputs).filter((k) => !known.includes(k));
    if (unknown.length > 0) {
        throw new TranslationError(
            `${ref(r)}: input ${unknown.map((k) => `"${k}"`).join(", ")} is not translated to SQL ` +
                `(known: ${known.join(", ")}); add it to tests/integration/provider-sql.ts from the provider's source`,
        );
    }
}

const str = (v: unknown, fallback = ""): string =>
    v === undefined || v === null
        ? fallback
        : typeof v === "object"
          ? JSON.stringify(v)
          : `${v as string | number | boolean}`;
const bool = (v: unknown, fallback: boolean): boolean =>
    v === undefined || v === null ? fallback : v === true;
const int = (v: unknown, fallback: number): number =>
    v === undefined || v === null ? fallback : Number(v);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);
/** A Terraform TypeSet of strings: duplicates collapse. */
const set = (v: unknown): string[] => [...new Set(list(v))];

/** The connection settings of the one PostgreSQL provider in the render. */
export function providerSettings(regs: Registration[]): ProviderSettings {
    const providers = regs.filter((r) => r.type === PROVIDER_TYPE);
    if (providers.length !== 1) {
        throw new TranslationError(
            `expected one ${PROVIDER_TYPE} in the render, found ${providers.length} (${providers.map((p) => p.name).join(", ")}); ` +
                "the tier applies every SQL resource through one server",
        );
    }
    const p = providers[0]!;
    const inputs = unwrap(p.inputs) as Record<string, unknown>;
    checkFields(p, inputs, [
        "host",
        "port",
        "username",
        "password",
        "database",
        "sslmode",
        "superuser",
        "connectTimeout",
        "version",
    ]);
    if (inputs.superuser === false) {
        throw new TranslationError(
            `${ref(p)}: superuser false is not translated (withRolesGranted would grant owners)`,
        );
    }
    return {
        host: str(inputs.host),
        port: int(inputs.port, 5432),
        username: str(inputs.username, "postgres"),
        password: str(inputs.password),
        database: str(inputs.database, "postgres"),
        sslmode: str(inputs.sslmode, "prefer"),
    };
}

/** resourcePostgreSQLRoleCreate and the helpers it calls. */
function roleSql(r: Registration, inputs: Record<string, unknown>, p: ProviderSettings): SqlStep[] {
    checkFields(r, inputs, [
        "name",
        "password",
        "login",
        "connectionLimit",
        "superuser",
        "createDatabase",
        "createRole",
        "inherit",
        "replication",
        "bypassRowLevelSecurity",
        "encryptedPassword",
        "validUntil",
        "roles",
        "searchPaths",
        "statementTimeout",
        "idleInTransactionSessionTimeout",
        "assumeRole",
        "skipDropRole",
        "skipReassignOwned",
    ]);
    const name = str(inputs.name);
    const opts: string[] = [];
    const password = str(inputs.password);
    if (password !== "") {
        if (password.toUpperCase() === "NULL") opts.push("PASSWORD NULL");
        else {
            opts.push(bool(inputs.encryptedPassword, true) ? "ENCRYPTED" : "UNENCRYPTED");
            opts.push(`PASSWORD '${quoteLiteralBody(password)}'`);
        }
    }
    const validUntil = str(inputs.validUntil, "infinity");
    opts.push(
        validUntil === "" || validUntil.toLowerCase() === "infinity"
            ? "VALID UNTIL 'infinity'"
            : `VALID UNTIL '${quoteLiteralBody(validUntil)}'`,
    );
    opts.push(`CONNECTION LIMIT ${int(inputs.connectionLimit, -1)}`);
    const flags: [unknown, boolean, string, string][] = [
        [inputs.superuser, false, "SUPERUSER", "NOSUPERUSER"],
        [inputs.createDatabase, false, "CREATEDB", "NOCREATEDB"],
        [inputs.createRole, false, "CREATEROLE", "NOCREATEROLE"],
        [inputs.inherit, true, "INHERIT", "NOINHERIT"],
        [inputs.login, false, "LOGIN", "NOLOGIN"],
        // featureRLS (>= 9.5) and featureReplication (>= 9.1) hold on every supported server.
        [inputs.bypassRowLevelSecurity, false, "BYPASSRLS", "NOBYPASSRLS"],
        [inputs.replication, false, "REPLICATION", "NOREPLICATION"],
    ];
    for (const [v, dflt, on, off] of flags) opts.push(bool(v, dflt) ? on : off);

    const statements: Statement[] = [
        { text: `CREATE ROLE ${quoteIdent(name)} WITH ${opts.join(" ")}` },
    ];
    // grantRoles
    for (const role of set(inputs.roles)) {
        statements.push({ text: `GRANT ${quoteIdent(role)} TO ${quoteIdent(name)}` });
    }
    // alterSearchPath: always, DEFAULT when empty
    const searchPath = list(inputs.searchPaths);
    for (const part of searchPath) {
        if (part.includes(", ")) {
            throw new TranslationError(`${ref(r)}: search_path cannot contain \`, \`: ${part}`);
        }
    }
    statements.push({
        text: `ALTER ROLE ${quoteIdent(name)} SET search_path TO ${searchPath.length > 0 ? searchPath.map(quoteIdent).join(", ") : "DEFAULT"}`,
    });
    // setStatementTimeout / setIdleInTransactionSessionTimeout / setAssumeRole: only on a change
    // from the zero value, which on create means "set to something".
    const statementTimeout = int(inputs.statementTimeout, 0);
    if (statementTimeout !== 0) {
        statements.push({
            text: `ALTER ROLE ${quoteIdent(name)} SET statement_timeout TO ${statementTimeout}`,
        });
    }
    const idleTimeout = int(inputs.idleInTransactionSessionTimeout, 0);
    if (idleTimeout !== 0) {
        statements.push({
            text: `ALTER ROLE ${quoteIdent(name)} SET idle_in_transaction_session_timeout TO ${idleTimeout}`,
        });
    }
    const assumeRole = str(inputs.assumeRole);
    if (assumeRole !== "") {
        statements.push({
            text: `ALTER ROLE ${quoteIdent(name)} SET ROLE TO ${quoteIdent(assumeRole)}`,
        });
    }
    return [{ database: p.database, transaction: true, statements }];
}

/**
 * setRolePassword: the statement an update whose `password` changed runs (in the update's
 * transaction, after pgLockRole).
 */
export function rolePasswordUpdateSql(name: string, password: string): Statement {
    return { text: `ALTER ROLE ${quoteIdent(name)} PASSWORD '${quoteLiteralBody(password)}'` };
}

/** readRolePassword's query (a superuser provider, a role that can log in). */
export const READ_ROLE_PASSWORD_SQL =
    "SELECT COALESCE(passwd, '') FROM pg_catalog.pg_shadow AS s WHERE s.usename = $1";

/**
 * readRolePassword: the `password` a refresh puts in state, from the state's value and the live
 * `pg_shadow.passwd` (a superuser provider, a role that can log in). A state value that is a
 * verifier (or md5 hash) is replaced by the live one as it is, so any difference is a diff; a
 * cleartext state value is kept whenever the live value is a SCRAM verifier (the provider cannot
 * check it), so a changed password goes unnoticed.
 */
export function refreshedRolePassword(role: string, state: string, live: string): string {
    if (state !== "" && !state.startsWith("md5") && !state.startsWith("SCRAM-SHA-256")) {
        if (live.startsWith("md5")) {
            const hashed = `md5${crypto
                .createHash("md5")
                .update(state + role)
                .digest("hex")}`;
            if (hashed === live) return state;
        }
        if (live.startsWith("SCRAM-SHA-256")) return state;
    }
    return live;
}

/** createDatabase. */
function databaseSql(
    r: Registration,
    inputs: Record<string, unknown>,
    p: ProviderSettings,
): SqlStep[] {
    checkFields(r, inputs, [
        "name",
        "owner",
        "template",
        "encoding",
        "lcCollate",
        "lcCtype",
        "tablespaceName",
        "connectionLimit",
        "allowConnections",
        "isTemplate",
        "alterObjectOwnership",
    ]);
    const name = str(inputs.name);
    const owner = str(inputs.owner);
    const current = p.username;
    let text = `CREATE DATABASE ${quoteIdent(name)}`;
    text += ` OWNER ${quoteIdent(owner !== "" ? owner : current)}`;
    const template = str(inputs.template);
    if (template.toUpperCase() === "DEFAULT") text += " TEMPLATE DEFAULT";
    else if (template !== "") text += ` TEMPLATE ${quoteIdent(template)}`;
    else text += " TEMPLATE template0";
    const encoding = str(inputs.encoding);
    if (encoding.toUpperCase() === "DEFAULT") text += " ENCODING DEFAULT";
    else if (encoding !== "") text += ` ENCODING '${quoteLiteralBody(encoding)}' `;
    else text += " ENCODING 'UTF8'";
    const collate = str(inputs.lcCollate);
    if (collate.toUpperCase() === "DEFAULT") text += " LC_COLLATE DEFAULT";
    else if (collate !== "") text += ` LC_COLLATE '${quoteLiteralBody(collate)}' `;
    const ctype = str(inputs.lcCtype);
    if (ctype.toUpperCase() === "DEFAULT") text += " LC_CTYPE DEFAULT";
    else if (ctype !== "") text += ` LC_CTYPE '${quoteLiteralBody(ctype)}' `;
    const tablespace = str(inputs.tablespaceName);
    if (tablespace.toUpperCase() === "DEFAULT") text += " TABLESPACE DEFAULT";
    else if (tablespace !== "") text += ` TABLESPACE ${quoteIdent(tablespace)}`;
    text += ` ALLOW_CONNECTIONS ${String(bool(inputs.allowConnections, true))}`;
    text += ` CONNECTION LIMIT ${int(inputs.connectionLimit, -1)}`;
    text += ` IS_TEMPLATE ${String(bool(inputs.isTemplate, false))}`;

    // grantRoleMembership(owner, currentUser): a freshly created owner has no members, so the
    // connecting user is granted it for the CREATE and revoked after (revokeRoleMembership).
    const statements: Statement[] = [];
    const grantOwner = owner !== "" && owner !== current;
    if (grantOwner)
        statements.push({ text: `GRANT ${quoteIdent(owner)} TO ${quoteIdent(current)}` });
    statements.push({ text });
    if (grantOwner) {
        statements.push({ text: `REVOKE ${quoteIdent(owner)} FROM ${quoteIdent(current)}` });
    }
    return [{ database: p.database, transaction: false, statements }];
}

/** helpers.go allowedPrivileges. */
const ALLOWED_PRIVILEGES: Record<string, string[]> = {
    database: ["ALL", "CREATE", "CONNECT", "TEMPORARY"],
    table: ["ALL", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    sequence: ["ALL", "USAGE", "SELECT", "UPDATE"],
    schema: ["ALL", "CREATE", "USAGE"],
    function: ["ALL", "EXECUTE"],
    procedure: ["ALL", "EXECUTE"],
    routine: ["ALL", "EXECUTE"],
};

/** resourcePostgreSQLGrantCreateOrUpdate (create: revoke with the new values, then grant). */
function grantSql(r: Registration, inputs: Record<string, unknown>): SqlStep[] {
    checkFields(r, inputs, [
        "role",
        "database",
        "schema",
        "objectType",
        "objects",
        "privileges",
        "withGrantOption",
    ]);
    const objectType = str(inputs.objectType);
    const database = str(inputs.database);
    const role = str(inputs.role);
    const schema = str(inputs.schema);
    const objects = set(inputs.objects);
    const privileges = set(inputs.privileges);
    const allowed = ALLOWED_PRIVILEGES[objectType];
    if (!allowed) {
        throw new TranslationError(
            `${ref(r)}: objectType "${objectType}" is not translated to SQL (known: ${Object.keys(ALLOWED_PRIVILEGES).join(", ")})`,
        );
    }
    if (schema === "" && objectType !== "database") {
        throw new TranslationError(
            `${ref(r)}: parameter 'schema' is mandatory for postgresql_grant resource`,
        );
    }
    if (objects.length > 0 && (objectType === "database" || objectType === "schema")) {
        throw new TranslationError(
            `${ref(r)}: cannot specify \`objects\` when \`object_type\` is \`database\` or \`schema\``,
        );
    }
    for (const priv of privileges) {
        if (!allowed.includes(priv)) {
            throw new TranslationError(
                `${ref(r)}: ${priv} is not an allowed privilege for object type ${objectType}`,
            );
        }
    }
    const R = quoteIdent(role);
    const identList = () => objects.map((o) => `${quoteIdent(schema)}.${quoteIdent(o)}`).join(",");
    const kind = objectType.toUpperCase();
    let revoke: string;
    let grant: string;
    switch (objectType) {
        case "database":
            revoke = `REVOKE ALL PRIVILEGES ON DATABASE ${quoteIdent(database)} FROM ${R}`;
            grant = `GRANT ${privileges.join(",")} ON DATABASE ${quoteIdent(database)} TO ${R}`;
            break;
        case "schema":
            revoke = `REVOKE ALL PRIVILEGES ON SCHEMA ${quoteIdent(schema)} FROM ${R}`;
            grant = `GRANT ${privileges.join(",")} ON SCHEMA ${quoteIdent(schema)} TO ${R}`;
            break;
        default:
            if (objects.length > 0) {
                revoke =
                    privileges.length > 0
                        ? `REVOKE ${privileges.join(",")} ON ${kind} ${identList()} FROM ${R}`
                        : `REVOKE ALL PRIVILEGES ON ${kind} ${identList()} FROM ${R}`;
                grant = `GRANT ${privileges.join(",")} ON ${kind} ${identList()} TO ${R}`;
            } else {
                revoke = `REVOKE ALL PRIVILEGES ON ALL ${kind}S IN SCHEMA ${quoteIdent(schema)} FROM ${R}`;
                grant = `GRANT ${privileges.join(",")} ON ALL ${kind}S IN SCHEMA ${quoteIdent(schema)} TO ${R}`;
            }
    }
    if (bool(inputs.withGrantOption, false)) grant += " WITH GRANT OPTION";

    const statements: Statement[] = [
        // pgLockRole
        { text: "SET statement_timeout = 0" },
        {
            text: "SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_roles WHERE rolname = $1",
            values: [role],
        },
        {
            text: "SELECT pg_advisory_xact_lock(member::bigint) FROM pg_auth_members JOIN pg_roles ON roleid = pg_roles.oid WHERE rolname = $1",
            values: [role],
        },
    ];
    if (objectType === "database") {
        // pgLockDatabase
        statements.push(
            { text: "SET statement_timeout = 0" },
            {
                text: "SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_database WHERE datname = $1",
                values: [database],
            },
        );
    }
    statements.push({ text: revoke });
    // grantRolePrivileges: nothing to grant for an empty set (a pure REVOKE, e.g. from PUBLIC).
    if (privileges.length > 0) statements.push({ text: grant });
    return [{ database, transaction: true, statements }];
}

/** resourcePostgreSQLExtensionCreate. */
function extensionSql(
    r: Registration,
    inputs: Record<string, unknown>,
    p: ProviderSettings,
): SqlStep[] {
    checkFields(r, inputs, [
        "name",
        "database",
        "schema",
        "version",
        "createCascade",
        "dropCascade",
    ]);
    let text = `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(str(inputs.name))}`;
    const schema = str(inputs.schema);
    if (schema !== "") text += ` SCHEMA ${quoteIdent(schema)}`;
    const version = str(inputs.version);
    if (version !== "") text += ` VERSION ${quoteIdent(version)}`;
    if (bool(inputs.createCascade, false)) text += " CASCADE";
    const database = str(inputs.database) || p.database;
    return [{ database, transaction: true, statements: [{ text }] }];
}

/** The statements that create one registration. Throws on anything not translated. */
export function translate(r: Registration, p: ProviderSettings): SqlStep[] {
    const inputs = unwrap(r.inputs) as Record<string, unknown>;
    switch (r.type) {
        case ROLE_TYPE:
            return roleSql(r, inputs, p);
        case DATABASE_TYPE:
            return databaseSql(r, inputs, p);
        case GRANT_TYPE:
            return grantSql(r, inputs);
        case EXTENSION_TYPE:
            return extensionSql(r, inputs, p);
        default:
            throw new TranslationError(
                `${ref(r)}: resource type ${r.type} is not translated to SQL; add it to ` +
                    "tests/integration/provider-sql.ts from the provider's source",
            );
    }
}

/** The tenant component a registration sits under, if any. */
export function tenantOf(r: Registration, byRef: Map<string, Registration>): string | undefined {
    let parent = r.parent;
    while (parent) {
        const p = byRef.get(parent);
        if (!p) return undefined;
        if (p.type === "platform:postgres:Tenant") return p.name;
        parent = p.parent;
    }
    return undefined;
}

/**
 * Every `postgresql:*` registration with its SQL, in the render's dependency order (a resource
 * after everything it depends on; otherwise in registration order, as the engine would start them).
 */
export function planSql(regs: Registration[]): PlannedResource[] {
    const p = providerSettings(regs);
    const byRef = new Map(regs.map((r) => [ref(r), r]));
    const sql = regs.filter((r) => r.type.startsWith("postgresql:"));
    const refs = new Set(sql.map(ref));
    const planned = sql.map((r): PlannedResource => {
        const inputs = unwrap(r.inputs) as Record<string, unknown>;
        const database =
            r.type === DATABASE_TYPE ? str(inputs.name) : str(inputs.database) || undefined;
        return {
            ref: ref(r),
            type: r.type,
            name: r.name,
            tenant: tenantOf(r, byRef),
            database,
            dependencies: r.dependencies.filter((d) => refs.has(d)),
            steps: translate(r, p),
        };
    });
    const done = new Set<string>();
    const ordered: PlannedResource[] = [];
    while (ordered.length < planned.length) {
        const next = planned.find(
            (x) => !done.has(x.ref) && x.dependencies.every((d) => done.has(d)),
        );
        if (!next) {
            const left = planned.filter((x) => !done.has(x.ref)).map((x) => x.ref);
            throw new TranslationError(`dependency cycle among ${left.join(", ")}`);
        }
        done.add(next.ref);
        ordered.push(next);
    }
    return ordered;
}
