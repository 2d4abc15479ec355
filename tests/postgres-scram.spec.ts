/**
 * SCRAM-SHA-256 verifiers (components/postgres/scram.ts) against verifiers the real PostgreSQL
 * computed: PostgreSQL 15.18 (Debian 15.18-0+deb12u1) stored each of them for
 * `CREATE ROLE … PASSWORD '<cleartext>'` with password_encryption scram-sha-256 and its own random
 * salt; the builder, given that salt, must produce the identical string (src/common/scram-common.c
 * scram_build_secret; 4096 iterations, src/include/common/scram-common.h). The same server stored
 * the builder's verifier as it is on `ALTER ROLE … PASSWORD '<verifier>'` and re-hashed one whose
 * StoredKey is 31 bytes (auth-scram.c parse_scram_secret): scramVerifierProblem follows that.
 * `npm run test:integration` logs in with the cleartext against verifiers set this way.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
    SCRAM_ITERATIONS,
    scramPasswordProblem,
    scramSha256Verifier,
    scramVerifierProblem,
} from "../components/postgres/scram";
import { roleVerifier } from "../components/postgres/role-password";
import { runProgram } from "../scripts/mock-runtime";

/** [cleartext, rolpassword as PostgreSQL 15.18 stored it]. */
const POSTGRES_VECTORS: [string, string][] = [
    [
        "pencil",
        "SCRAM-SHA-256$4096:ICtOvATSEjtHO/bIFBgGxw==$i4vvIfLuOz4M1MSRntp8rhCco6GmhgCEBdGczOQNnV0=:REYYgYj++sV0ZvtI65/Bha/lfAm4J0uPEz+CTk0i5So=",
    ],
    [
        "render-secret-harbor-db-password",
        "SCRAM-SHA-256$4096:Oij2UinPu+xKAs9mYagAXQ==$YCpty6W7Adb13DeLQY1BxJucQeqgU6ifx0s2J8Qpbr0=:/+lU+qij2ZScNqQtbU7LWFGVzBnvXK6mpDzoB6sQXY4=",
    ],
    // ASCII control characters, quotes and a backslash: pg_saslprep returns pure ASCII unchanged.
    [
        "tab\there 'quote' \\back",
        "SCRAM-SHA-256$4096:wvQLov7NIqUFA7c6Rj/zbQ==$VBN66HGAAde8zFBOT9vPPRoptu/W4HKtCDjHIBiFYWk=:PMKQSM8bX3mkEMsTXNQodZY2BIG3Z5MPnJQroJJnEyk=",
    ],
];

const saltOf = (verifier: string) => Buffer.from(verifier.split(/[$:]/)[2]!, "base64");

describe("SCRAM-SHA-256 verifiers", () => {
    for (const [password, stored] of POSTGRES_VECTORS) {
        it(`matches what PostgreSQL stored for ${JSON.stringify(password)}, given its salt`, () => {
            assert.equal(scramSha256Verifier(password, saltOf(stored)), stored);
            assert.equal(scramVerifierProblem(stored), undefined);
        });
    }

    it("is stable for one salt and changes with the salt or the password", () => {
        const salt = Buffer.alloc(16, 7);
        const v = scramSha256Verifier("Zx7Qp2Lm9Rt4Vw8Yb3Nc6Hd1Jf5Gk0Sa", salt);
        assert.equal(
            v,
            "SCRAM-SHA-256$4096:BwcHBwcHBwcHBwcHBwcHBw==$o8mFkjZ7UARgl8WXYitJrV/5Q5vODUBYYM05d3iA3dk=:DBOuUrIqRN9hr8xknbRtMT02ZFLLiQs5i4GvS+J9rVk=",
        );
        assert.equal(scramSha256Verifier("Zx7Qp2Lm9Rt4Vw8Yb3Nc6Hd1Jf5Gk0Sa", salt), v);
        assert.notEqual(scramSha256Verifier("Zx7Qp2Lm9Rt4Vw8Yb3Nc6Hd1Jf5Gk0Sb", salt), v);
        assert.notEqual(
            scramSha256Verifier("Zx7Qp2Lm9Rt4Vw8Yb3Nc6Hd1Jf5Gk0Sa", Buffer.alloc(16, 8)),
            v,
        );
        assert.equal(SCRAM_ITERATIONS, 4096);
        assert.match(scramSha256Verifier("x", salt, 10000), /^SCRAM-SHA-256\$10000:/);
    });

    it("refuses what PostgreSQL's SASLprep could change, an empty password or salt, with the reason", () => {
        assert.equal(scramPasswordProblem("plain ASCII \u0001 ok"), undefined);
        assert.equal(
            scramPasswordProblem("caf\u00e9\u00a0\u00e9"),
            "the password has non-ASCII characters (U+00E9, U+00A0), which PostgreSQL normalises " +
                "with SASLprep before hashing; the program builds SCRAM verifiers for ASCII passwords only",
        );
        assert.equal(scramPasswordProblem(""), "the password is empty");
        assert.throws(() => scramSha256Verifier("caf\u00e9", Buffer.alloc(16)), /non-ASCII/);
        assert.throws(() => scramSha256Verifier("x", Buffer.alloc(0)), /salt is empty/);
        assert.throws(
            () => scramSha256Verifier("x", Buffer.alloc(16), 0),
            /iterations must be a positive integer, got 0/,
        );
    });

    it("tells a verifier PostgreSQL would store as it is from one it would hash as cleartext", () => {
        const k32 = Buffer.alloc(32).toString("base64");
        const k31 = Buffer.alloc(31).toString("base64");
        assert.equal(scramVerifierProblem(`SCRAM-SHA-256$4096:c2FsdA==$${k32}:${k32}`), undefined);
        assert.equal(
            scramVerifierProblem(`SCRAM-SHA-256$4096:c2FsdA==$${k31}:${k32}`),
            "StoredKey decodes to 31 bytes, not 32",
        );
        assert.equal(
            scramVerifierProblem(`SCRAM-SHA-256$4096:c2Fs*A==$${k32}:${k32}`),
            "salt is not base64",
        );
        assert.equal(
            scramVerifierProblem("md5" + "0".repeat(32)),
            "not of the form SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>",
        );
        assert.equal(
            scramVerifierProblem(`SCRAM-SHA-256$0:c2FsdA==$${k32}:${k32}`),
            "iteration count 0 is out of range",
        );
    });
});

describe("a role's verifier in the program", () => {
    class Parent extends pulumi.ComponentResource {
        constructor() {
            super("platform:test:Parent", "p", {});
        }
    }
    const run = (password: string) =>
        runProgram(
            () => {
                const parent = new Parent();
                roleVerifier(
                    "t-db-password-salt",
                    {
                        role: "t_app",
                        password,
                        source: '1Password item "kubernetes/infra/cloudnative-pg/t", field "password"',
                    },
                    parent,
                );
                return {};
            },
            { stack: "infra", config: {} },
        );

    it("stops the update, naming the role, the item and what to do, for a non-ASCII password", async () => {
        await assert.rejects(run("pässword"), (e: Error) => {
            assert.equal(
                e.message,
                'role "t_app" (password from 1Password item "kubernetes/infra/cloudnative-pg/t", field "password"): ' +
                    "the password has non-ASCII characters (U+00E4), which PostgreSQL normalises with SASLprep " +
                    "before hashing; the program builds SCRAM verifiers for ASCII passwords only. Set an ASCII " +
                    "password there, or rotate it to a generated one (the tenant's passwordRotation in platform:tenants)",
            );
            return true;
        });
    });

    it("registers a 16-byte salt under the role's component", async () => {
        const result = await run("ascii");
        const salt = result.registrations.find(
            (r) => r.type === "random:index/randomBytes:RandomBytes",
        );
        assert.equal(salt?.name, "t-db-password-salt");
        assert.equal(salt?.parent, "platform:test:Parent::p");
        assert.equal(salt?.inputs.length, 16);
    });
});
