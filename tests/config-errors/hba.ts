/**
 * Access rules: role and database names the hba parsers of PostgreSQL 16 and PgBouncer 1.24.1 and 1.25.1
 * read as keywords (one row per class), and the lines a stack adds to the server's pg_hba.
 */
import { one, pg, tenant, type Row } from "./rows";

const db = (s: Record<string, unknown>, i: number) =>
    (tenant(s, i).databases as Record<string, unknown>[])[0] as Record<string, unknown>;

export const HBA_ROWS: Row[] = [
    [
        "a database named all (every database in its pooler's rule)",
        "infra",
        (s) => (db(s, 1).name = "all"),
        one(
            '<file>:37:11: platform:tenants[1] (gitlab).databases[0] (all).name = "all": is a pg_hba keyword: in an access rule (pg_hba, PgBouncer hba) it means every database, not a database named "all"; choose another name',
        ),
    ],
    [
        "a role named all (every role in its pooler's rule)",
        "infra",
        (s) => (tenant(s, 1).role = "all"),
        one(
            '<file>:34:7: platform:tenants[1] (gitlab).role = "all": is a pg_hba keyword: in an access rule (pg_hba, PgBouncer hba) it means every role, not a role named "all"; choose another name',
        ),
    ],
    [
        "a database named sameuser",
        "infra",
        (s) => (db(s, 1).name = "sameuser"),
        one(
            '<file>:37:11: platform:tenants[1] (gitlab).databases[0] (sameuser).name = "sameuser": is a pg_hba keyword: in an access rule (pg_hba, PgBouncer hba) it means the database named like the connecting role, not a database named "sameuser"; choose another name',
        ),
    ],
    [
        "a database named samerole (samegroup alike)",
        "infra",
        (s) => (db(s, 1).name = "samerole"),
        one(
            '<file>:37:11: platform:tenants[1] (gitlab).databases[0] (samerole).name = "samerole": is a pg_hba keyword: in an access rule (pg_hba, PgBouncer hba) it means the databases named like a role the user belongs to (PgBouncer refuses the rule), not a database named "samerole"; choose another name',
        ),
    ],
    [
        "a database named replication",
        "infra",
        (s) => (db(s, 0).name = "replication"),
        one(
            '<file>:28:11: platform:tenants[0] (harbor).databases[0] (replication).name = "replication": is a pg_hba keyword: in an access rule (pg_hba, PgBouncer hba) it means physical replication connections, never the database itself, not a database named "replication"; choose another name',
        ),
    ],
    [
        "a role named pgbouncer (PgBouncer's admin console)",
        "infra",
        (s) => (tenant(s, 1).role = "pgbouncer"),
        one(
            '<file>:34:7: platform:tenants[1] (gitlab).role = "pgbouncer": is PgBouncer\'s admin console (database and user pgbouncer); choose another name',
        ),
    ],
    [
        "a +-prefixed role (members of a role in pg_hba)",
        "infra",
        (s) => (tenant(s, 1).role = "+gitlab"),
        one(
            "<file>:34:7: platform:tenants[1] (gitlab).role = \"+gitlab\": must be a lowercase PostgreSQL identifier: letters, digits and '_', not starting with a digit",
        ),
    ],
    [
        "an @-prefixed database (a file of names in pg_hba)",
        "infra",
        (s) => (db(s, 1).name = "@tenants"),
        one(
            "<file>:37:11: platform:tenants[1] (gitlab).databases[0] (@tenants).name = \"@tenants\": must be a lowercase PostgreSQL identifier: letters, digits and '_', not starting with a digit",
        ),
    ],
    [
        "a co-located database named all",
        "apps",
        (s) => {
            const app = (s["platform:applications"] as Record<string, unknown>[]).find(
                (a) => a.postgres !== undefined,
            ) as { postgres: Record<string, unknown> };
            app.postgres.database = "all";
        },
        one(
            '<file>:26:9: platform:applications[1] (web).postgres.database = "all": is a pg_hba keyword: in an access rule (pg_hba, PgBouncer hba) it means every database, not a database named "all"; choose another name',
        ),
    ],
    [
        "a pgHba line with trust",
        "infra",
        (s) => (pg(s).pgHba = ["hostssl all all 10.0.0.0/8 trust"]),
        one(
            '<file>:24:9: platform:postgres.pgHba[0] = "hostssl all all 10.0.0.0/8 trust": uses trust, which admits without a password; use scram-sha-256 (or cert, or reject)',
        ),
    ],
    [
        "a pgHba entry with a line break",
        "infra",
        (s) => (pg(s).pgHba = ["hostssl app app 10.0.0.0/8 scram-sha-256\nhost all all all trust"]),
        one(
            '<file>:24:9: platform:postgres.pgHba[0] = "hostssl app app 10.0.0.0/8 scram-sha-256\\nhost all all all trust": must be one line: a line break starts another pg_hba rule, which no check here would see',
        ),
    ],
    [
        "a pgHba line with an unknown auth method",
        "infra",
        (s) => (pg(s).pgHba = ["hostssl all all 10.0.0.0/8 scram"]),
        one(
            '<file>:24:9: platform:postgres.pgHba[0] = "hostssl all all 10.0.0.0/8 scram": has "scram" where the auth method goes (field 5 of "hostssl DATABASE USER ADDRESS METHOD [OPTIONS] (ADDRESS a CIDR, all, samehost, samenet or a host name; or an IP address followed by a mask)"); PostgreSQL 16 knows reject, scram-sha-256, md5, password, gss, sspi, ident, peer, pam, ldap, radius, cert, bsd',
        ),
    ],
    [
        "a pgHba line missing its address",
        "infra",
        (s) => (pg(s).pgHba = ["hostssl all all scram-sha-256"]),
        one(
            '<file>:24:9: platform:postgres.pgHba[0] = "hostssl all all scram-sha-256": has 4 fields: a hostssl rule is "hostssl DATABASE USER ADDRESS METHOD [OPTIONS] (ADDRESS a CIDR, all, samehost, samenet or a host name; or an IP address followed by a mask)"',
        ),
    ],
    [
        "a pgHba line with an unknown connection type",
        "infra",
        (s) => (pg(s).pgHba = ["hostsll all all all scram-sha-256"]),
        one(
            '<file>:24:9: platform:postgres.pgHba[0] = "hostsll all all all scram-sha-256": starts with "hostsll": the connection type must be one of local, host, hostssl, hostnossl, hostgssenc, hostnogssenc',
        ),
    ],
    [
        "a pgHba include directive",
        "infra",
        (s) => (pg(s).pgHba = ["include_dir /etc/hba.d"]),
        one(
            '<file>:24:9: platform:postgres.pgHba[0] = "include_dir /etc/hba.d": is an include_dir directive: it reads a file CloudNativePG does not manage; write the rules themselves',
        ),
    ],
    [
        "a pgHba line with an IP address, its mask and an option",
        "infra",
        (s) =>
            (pg(s).pgHba = [
                "hostssl app app 10.0.0.0 255.0.0.0 scram-sha-256",
                "hostssl all all all cert clientname=DN # mTLS",
            ]),
        "",
    ],
];
