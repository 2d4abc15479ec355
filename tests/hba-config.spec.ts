/**
 * The pg_hba checks as pure functions: fields as PostgreSQL 16 splits them (quotes, comments),
 * the method's place after a CIDR or an address and mask, and the keyword names
 * (components/postgres/hba-config.ts cites hba.c of PostgreSQL 16 and PgBouncer 1.24.1 and 1.25.1).
 */
import assert from "node:assert/strict";
import { hbaFields, hbaLineProblem, hbaNameReason } from "../components/postgres/hba-config";

describe("pg_hba checks (pure)", () => {
    it("splits fields on whitespace, keeps quoted text together and stops at a comment", () => {
        assert.deepEqual(hbaFields('hostssl "my db" app  all\tscram-sha-256 # note'), [
            "hostssl",
            '"my db"',
            "app",
            "all",
            "scram-sha-256",
        ]);
        assert.deepEqual(hbaFields("  # only a comment"), []);
    });

    it("accepts local, CIDR, address-and-mask and host-name rules with options", () => {
        for (const line of [
            "local all all peer map=local",
            "hostssl app app 10.0.0.0/8 scram-sha-256",
            "hostssl app app 10.1.2.3 255.255.255.255 scram-sha-256",
            "hostssl app app fd00::1 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff md5",
            "hostssl all all samenet cert clientname=DN",
            "hostnossl all all all reject",
        ]) {
            assert.equal(hbaLineProblem(line), undefined, line);
        }
    });

    it("finds the method where PostgreSQL looks for it", () => {
        assert.match(hbaLineProblem("local all all") ?? "", /^has 3 fields: a local rule is/);
        // After a bare address comes the mask: "scram-sha-256" is then read as the mask.
        assert.match(
            hbaLineProblem("hostssl app app 10.1.2.3 scram-sha-256") ?? "",
            /^has 5 fields: a hostssl rule is/,
        );
        assert.match(
            hbaLineProblem("host all all all trust") ?? "",
            /^uses trust, which admits without a password/,
        );
        assert.match(
            hbaLineProblem("local all all peer map") ?? "",
            /^has "map" after the auth method: options are written name=value$/,
        );
    });

    it("refuses keyword names in either field, and ordinary names pass", () => {
        for (const k of ["all", "sameuser", "samerole", "samegroup", "replication"]) {
            assert.match(hbaNameReason(k, "database") ?? "", /^is a pg_hba keyword: /, k);
            assert.match(hbaNameReason(k, "role") ?? "", /^is a pg_hba keyword: /, k);
        }
        assert.match(hbaNameReason("all", "role") ?? "", /it means every role/);
        assert.match(hbaNameReason("+admins", "role") ?? "", /members of the role that follows/);
        assert.match(hbaNameReason("@names", "database") ?? "", /names listed in a file/);
        assert.match(hbaNameReason("/^a", "database") ?? "", /a regular expression/);
        assert.equal(hbaNameReason("allusers", "role"), undefined);
        assert.equal(hbaNameReason("gitlabhq_production", "database"), undefined);
    });
});
