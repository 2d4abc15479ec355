/**
 * Config rules for the access rules (pg_hba) of the server and the poolers: names that the hba
 * parsers read as keywords, and the rules a stack adds to the server (`postgres.pgHba`).
 *
 * Role and database names are written unquoted into hba lines (./hba.ts; CNPG copies
 * `spec.postgresql.pg_hba` and `spec.pgbouncer.pg_hba` verbatim), so a name that is a keyword
 * changes what the rule admits. Keywords, read at the versions in use:
 * - PostgreSQL 16 (postgres/postgres REL_16_STABLE src/backend/libpq/hba.c, check_db and
 *   check_role): database `all`, `sameuser`, `samerole`, `samegroup`, `replication`; role `all`;
 *   a `+` prefix means members of a role, `@` includes a file, `/` starts a regular expression.
 * - PgBouncer 1.25.1, the image CNPG 1.30.0 runs by default (pkg/versions/versions.go
 *   DefaultPgbouncerImage), and 1.24.1, CNPG 1.26.1's (pgbouncer/pgbouncer pgbouncer_1_25_1 and
 *   pgbouncer_1_24_1 src/hba.c, parse_names, alike): `all` in both fields; database `sameuser`, `replication`, and
 *   `samerole`/`samegroup`, which it refuses ("not supported", the rule does not load); `+` is
 *   refused, `@` includes a file. The database and user `pgbouncer` are its admin console
 *   (CNPG's pooler hba starts `local pgbouncer pgbouncer peer`).
 *
 * The connection types and auth methods of `postgres.pgHba` lines are PostgreSQL 16's
 * (hba.c parse_hba_line).
 */
import type { Problem } from "../problems";

/** What each keyword means in a database or role field of an hba rule. */
const HBA_KEYWORDS: Record<string, { database: string; role?: string }> = {
    all: { database: "every database", role: "every role" },
    sameuser: { database: "the database named like the connecting role" },
    samerole: {
        database:
            "the databases named like a role the user belongs to (PgBouncer refuses the rule)",
    },
    samegroup: {
        database:
            "the databases named like a role the user belongs to (PgBouncer refuses the rule)",
    },
    replication: { database: "physical replication connections, never the database itself" },
};

const PREFIXES: Record<string, string> = {
    "+": "members of the role that follows",
    "@": "the names listed in a file",
    "/": "a regular expression",
};

/**
 * Why a role or database name cannot be written into an hba rule, or undefined when it can.
 * Refused in both fields whatever the field, so a name means itself in every rule it appears in.
 */
export function hbaNameReason(name: string, field: "role" | "database"): string | undefined {
    const keyword = HBA_KEYWORDS[name];
    if (keyword) {
        const meaning = field === "role" ? (keyword.role ?? keyword.database) : keyword.database;
        return `is a pg_hba keyword: in an access rule (pg_hba, PgBouncer hba) it means ${meaning}, not a ${field} named "${name}"; choose another name`;
    }
    if (name === "pgbouncer") {
        return "is PgBouncer's admin console (database and user pgbouncer); choose another name";
    }
    const prefix = PREFIXES[name.charAt(0)];
    if (prefix) {
        return `starts with "${name.charAt(0)}", which in pg_hba means ${prefix}; choose another name`;
    }
    return undefined;
}

/** PostgreSQL 16's connection types (the first field). */
export const HBA_CONNECTION_TYPES = [
    "local",
    "host",
    "hostssl",
    "hostnossl",
    "hostgssenc",
    "hostnogssenc",
] as const;

/** PostgreSQL 16's auth methods, trust excluded here and refused with its own message. */
export const HBA_METHODS = [
    "reject",
    "scram-sha-256",
    "md5",
    "password",
    "gss",
    "sspi",
    "ident",
    "peer",
    "pam",
    "ldap",
    "radius",
    "cert",
    "bsd",
] as const;

/** Splits an hba line into fields as PostgreSQL does: whitespace, double quotes, `#` comments. */
export function hbaFields(line: string): string[] {
    const fields: string[] = [];
    let cur = "";
    let quoted = false;
    let inField = false;
    for (const ch of line) {
        if (ch === '"') {
            quoted = !quoted;
            inField = true;
            cur += ch;
        } else if (!quoted && ch === "#") {
            break;
        } else if (!quoted && /\s/.test(ch)) {
            if (inField) fields.push(cur);
            cur = "";
            inField = false;
        } else {
            cur += ch;
            inField = true;
        }
    }
    if (inField) fields.push(cur);
    return fields;
}

const IPV4 = /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;

/** The problem of one `postgres.pgHba` line, or undefined when PostgreSQL would take it as meant. */
export function hbaLineProblem(line: string): string | undefined {
    if (/[\r\n]/.test(line)) {
        return "must be one line: a line break starts another pg_hba rule, which no check here would see";
    }
    const f = hbaFields(line);
    const type = f[0];
    if (type === undefined) return "is empty or only a comment; write a rule or remove the entry";
    if (["include", "include_if_exists", "include_dir"].includes(type)) {
        return `is an ${type} directive: it reads a file CloudNativePG does not manage; write the rules themselves`;
    }
    if (!(HBA_CONNECTION_TYPES as readonly string[]).includes(type)) {
        return `starts with "${type}": the connection type must be one of ${HBA_CONNECTION_TYPES.join(", ")}`;
    }
    const shape =
        type === "local"
            ? "local DATABASE USER METHOD [OPTIONS]"
            : `${type} DATABASE USER ADDRESS METHOD [OPTIONS] (ADDRESS a CIDR, all, samehost, samenet or a host name; or an IP address followed by a mask)`;
    // The address of an IP without a prefix length is followed by its mask (hba.c parse_hba_line).
    const address = f[3] ?? "";
    const bareIp =
        type !== "local" && !address.includes("/") && (IPV4.test(address) || IPV6.test(address));
    const methodAt = type === "local" ? 3 : bareIp ? 5 : 4;
    const method = f[methodAt];
    if (method === undefined) {
        return `has ${f.length} fields: a ${type} rule is "${shape}"`;
    }
    if (method === "trust") {
        return "uses trust, which admits without a password; use scram-sha-256 (or cert, or reject)";
    }
    if (!(HBA_METHODS as readonly string[]).includes(method)) {
        return `has "${method}" where the auth method goes (field ${methodAt + 1} of "${shape}"); PostgreSQL 16 knows ${HBA_METHODS.join(", ")}`;
    }
    const bad = f.slice(methodAt + 1).find((o) => !/^[a-zA-Z_]+=./.test(o));
    if (bad !== undefined) {
        return `has "${bad}" after the auth method: options are written name=value`;
    }
    return undefined;
}

/** Problems of `postgres.pgHba`, one per bad line. */
export function pgHbaProblems(lines: string[]): Problem[] {
    return lines.flatMap((line, i) => {
        const message = hbaLineProblem(line);
        return message ? [{ key: `postgres.pgHba[${i}]`, value: line, message }] : [];
    });
}
