/**
 * What the tier checks about role passwords on the real servers:
 *
 * - each tenant's Role sends a SCRAM-SHA-256 verifier, PostgreSQL stores it as it is
 *   (src/backend/libpq/crypt.c encrypt_password: a value get_password_type recognises is not
 *   hashed again), and the provider's refresh reads it back unchanged (readRolePassword, see
 *   provider-sql.ts), so a re-run changes nothing;
 * - no tenant's cleartext password appears in the server log (every statement logged), in
 *   pg_stat_statements, or in any PgBouncer's log, after the whole run: the SQL, every login
 *   directly and through every pooler (PgBouncer fetches the verifier with auth_query and logs
 *   the client in with SCRAM, then reuses the client's ClientKey for the server: src/client.c and
 *   src/scram.c at pgbouncer_1_18_0, Debian bookworm's, and pgbouncer_1_25_1, the image CNPG 1.30.0
 *   defaults to in pkg/versions/versions.go).
 *
 * The audit first checks that each source shows the tenants' CREATE ROLE, so an audit that reads
 * nothing fails instead of passing. Last, the takeover of a role with a live password
 * (adoptedPassword).
 */
import type { Client } from "pg";
import { scramVerifierProblem } from "../../components/postgres/scram";
import type { Fail } from "./checks";
import {
    quoteIdent,
    quoteLiteralBody,
    READ_ROLE_PASSWORD_SQL,
    refreshedRolePassword,
    rolePasswordUpdateSql,
} from "./provider-sql";
import type { TenantView } from "./tenants";

const where = (t: TenantView) => t.databases[0] ?? "-";

/** The stored password of every tenant role is the verifier its Role sent, and refreshes as such. */
export async function storedPasswords(
    tenants: TenantView[],
    admin: Client,
    fail: Fail,
): Promise<void> {
    for (const t of tenants) {
        const problem = scramVerifierProblem(t.rolePassword);
        if (problem) {
            fail(
                t.name,
                where(t),
                `role ${t.role}`,
                `its Role sends PostgreSQL a password that is not a SCRAM-SHA-256 verifier (${problem})`,
            );
            continue;
        }
        const res = await admin.query<string[]>({
            text: READ_ROLE_PASSWORD_SQL,
            values: [t.role],
            rowMode: "array",
        });
        const live = res.rows[0]?.[0] ?? "";
        if (live !== t.rolePassword) {
            fail(
                t.name,
                where(t),
                `role ${t.role}`,
                `PostgreSQL stored "${live.slice(0, 24)}…", not the verifier its Role sent`,
            );
        } else if (refreshedRolePassword(t.role, t.rolePassword, live) !== t.rolePassword) {
            fail(t.name, where(t), `role ${t.role}`, "a refresh reads back another password");
        }
    }
}

export interface AuditSource {
    name: string;
    text: string;
    /** The source records statements: each tenant's CREATE ROLE must be there. */
    statements: boolean;
}

/** No tenant's cleartext password in any source; statement sources show every CREATE ROLE. */
export function auditCleartext(tenants: TenantView[], sources: AuditSource[], fail: Fail): void {
    for (const t of tenants) {
        for (const s of sources) {
            const role = t.role.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            const created = new RegExp(`CREATE ROLE "?${role}"? WITH`, "i");
            if (s.statements && !created.test(s.text)) {
                fail(
                    t.name,
                    where(t),
                    `password audit of ${s.name}`,
                    `no CREATE ROLE of ${t.role} there: the audit reads nothing`,
                );
            }
            if (t.password !== "" && s.text.includes(t.password)) {
                fail(
                    t.name,
                    where(t),
                    `password audit of ${s.name}`,
                    `the cleartext password of role ${t.role} appears there`,
                );
            }
        }
    }
}

/**
 * The takeover of a role whose live password PostgreSQL hashed itself (as CNPG 1.26.1's
 * SetUserPassword left it under Flux: `ALTER ROLE … WITH PASSWORD '<cleartext>'`, the server's own
 * salt): the refresh reads a verifier other than the Role's, so the update runs setRolePassword
 * with the Role's verifier; the same cleartext then logs in directly and through the pooler, and
 * the next refresh reads no difference. Run after the audit: the live setup's statement carries
 * the cleartext.
 */
export async function adoptedPassword(
    t: TenantView,
    admin: Client,
    login: (port?: number) => Promise<Client>,
    poolerPorts: number[],
    fail: Fail,
): Promise<void> {
    const what = `taking over role ${t.role} with its live password`;
    const read = async () => {
        const res = await admin.query<string[]>({
            text: READ_ROLE_PASSWORD_SQL,
            values: [t.role],
            rowMode: "array",
        });
        return res.rows[0]?.[0] ?? "";
    };
    try {
        await admin.query(
            `ALTER ROLE ${quoteIdent(t.role)} WITH PASSWORD '${quoteLiteralBody(t.password)}'`,
        );
        const live = await read();
        if (refreshedRolePassword(t.role, t.rolePassword, live) === t.rolePassword) {
            fail(t.name, where(t), what, "the refresh saw no difference: the update would not run");
            return;
        }
        await admin.query("BEGIN");
        await admin.query(rolePasswordUpdateSql(t.role, t.rolePassword).text);
        await admin.query("COMMIT");
        for (const port of [undefined, ...poolerPorts]) {
            const c = await login(port);
            await c.query("SELECT 1");
            await c.end();
        }
        if (refreshedRolePassword(t.role, t.rolePassword, await read()) !== t.rolePassword) {
            fail(t.name, where(t), what, "the next refresh still reads another password");
        }
    } catch (err) {
        await admin.query("ROLLBACK").catch(() => undefined);
        fail(t.name, where(t), what, err);
    }
}
