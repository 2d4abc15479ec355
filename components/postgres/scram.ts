/**
 * SCRAM-SHA-256 verifiers for the roles the program creates, so that a role's password reaches
 * PostgreSQL only as the verifier PostgreSQL itself would store, never as cleartext (not in a
 * statement, a server log line or `pg_stat_statements`).
 *
 * PostgreSQL stores a password that already is a verifier as it is: `encrypt_password` returns
 * it unchanged when `get_password_type` recognises it (src/backend/libpq/crypt.c), and it
 * recognises a SCRAM secret by `parse_scram_secret` (src/backend/libpq/auth-scram.c):
 * `SCRAM-SHA-256$<iterations>:<salt, base64>$<StoredKey, base64>:<ServerKey, base64>`, both keys
 * 32 bytes. Anything else it takes for cleartext and hashes, so a malformed verifier would become
 * the role's password: `scramVerifierProblem` checks the same rules.
 *
 * The keys follow `scram_SaltedPassword` / `scram_ClientKey` / `scram_ServerKey` /
 * `scram_build_secret` (src/common/scram-common.c): SaltedPassword = PBKDF2-HMAC-SHA-256(password,
 * salt, iterations), StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key")), ServerKey =
 * HMAC(SaltedPassword, "Server Key"); defaults 4096 iterations and a 16-byte salt
 * (SCRAM_SHA_256_DEFAULT_ITERATIONS, SCRAM_DEFAULT_SALT_LEN in src/include/common/scram-common.h).
 * The password is first normalised with SASLprep (`pg_be_scram_build_secret` → `pg_saslprep`,
 * src/common/saslprep.c), whose first step returns a pure-ASCII string unchanged; the program
 * builds verifiers for ASCII passwords only (every generated password is alphanumeric) and
 * refuses any other rather than guess at the normalisation.
 */
import * as crypto from "node:crypto";

export const SCRAM_ITERATIONS = 4096;
export const SCRAM_SALT_BYTES = 16;
const KEY_LENGTH = 32;

const hmac = (key: Buffer, text: string): Buffer =>
    crypto.createHmac("sha256", key).update(text, "utf8").digest();

/**
 * Why PostgreSQL's SASLprep might change `password` (so the verifier built from it as it is
 * would not match what clients send), or undefined when it leaves it as it is: pure ASCII.
 */
export function scramPasswordProblem(password: string): string | undefined {
    if (password === "") return "the password is empty";
    // pg_is_ascii: no byte with the high bit set.
    const nonAscii = Array.from(password, (c) => c.codePointAt(0) ?? 0).filter((n) => n > 0x7f);
    if (nonAscii.length === 0) return undefined;
    const shown = [...new Set(nonAscii)]
        .slice(0, 3)
        .map((n) => `U+${n.toString(16).toUpperCase().padStart(4, "0")}`)
        .join(", ");
    return (
        `the password has non-ASCII characters (${shown}), which PostgreSQL normalises with ` +
        "SASLprep before hashing; the program builds SCRAM verifiers for ASCII passwords only"
    );
}

/**
 * The verifier PostgreSQL stores for `password` with this salt and iteration count: the value
 * `CREATE ROLE … PASSWORD '<password>'` would store had its random salt been `salt`.
 */
export function scramSha256Verifier(
    password: string,
    salt: Buffer,
    iterations: number = SCRAM_ITERATIONS,
): string {
    const problem = scramPasswordProblem(password);
    if (problem) throw new Error(problem);
    if (salt.length === 0) throw new Error("the SCRAM salt is empty");
    if (!Number.isInteger(iterations) || iterations < 1) {
        throw new Error(`SCRAM iterations must be a positive integer, got ${iterations}`);
    }
    const salted = crypto.pbkdf2Sync(
        Buffer.from(password, "utf8"),
        salt,
        iterations,
        KEY_LENGTH,
        "sha256",
    );
    const storedKey = crypto.createHash("sha256").update(hmac(salted, "Client Key")).digest();
    const serverKey = hmac(salted, "Server Key");
    return (
        `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}` +
        `$${storedKey.toString("base64")}:${serverKey.toString("base64")}`
    );
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Why PostgreSQL would not take `value` for a SCRAM-SHA-256 secret (parse_scram_secret), or
 * undefined when it would.
 */
export function scramVerifierProblem(value: string): string | undefined {
    const m = /^SCRAM-SHA-256\$(\d+):([^$:]+)\$([^$:]+):([^$:]+)$/.exec(value);
    if (!m) {
        return "not of the form SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>";
    }
    const [, iterations, salt, stored, server] = m as unknown as [
        string,
        string,
        string,
        string,
        string,
    ];
    if (Number(iterations) < 1 || Number(iterations) > 0x7fffffff) {
        return `iteration count ${iterations} is out of range`;
    }
    for (const [what, v, len] of [
        ["salt", salt, 0],
        ["StoredKey", stored, KEY_LENGTH],
        ["ServerKey", server, KEY_LENGTH],
    ] as const) {
        if (!BASE64.test(v)) return `${what} is not base64`;
        const n = Buffer.from(v, "base64").length;
        if (len > 0 && n !== len) return `${what} decodes to ${n} bytes, not ${len}`;
        if (n === 0) return `${what} is empty`;
    }
    return undefined;
}
