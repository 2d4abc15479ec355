/**
 * What the deploy and drift jobs forward to, from the stack's own config (scripts/admin-forward.ts),
 * and the stack file pinned to verify the server. The forward itself runs in the integration tier
 * (tests/integration/pg-forward.int.ts).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { forwardFacts, pinCa } from "../scripts/admin-forward";
import { PROJECT_DIR } from "./mocks";

describe("admin-forward", () => {
    it("infra: the primary's Service, the CA Secret and the admin port of the shipped config", () => {
        assert.deepEqual(forwardFacts(PROJECT_DIR, "infra"), {
            forward: true,
            namespace: "cnpg-system",
            service: "shared-postgres-rw",
            caSecret: "shared-postgres-ca",
            port: 15432,
        });
    });

    it("apps: no SQL provider, nothing to forward", () => {
        assert.equal(forwardFacts(PROJECT_DIR, "apps").forward, false);
    });

    it("pins verify-ca with the CA file, keeping the rest of the file as written", () => {
        const text = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.infra.yaml"), "utf8");
        const pinned = pinCa(text, "/runner/_temp/pg-forward/shared-postgres-ca.crt");
        const admin = YAML.parse(pinned).config["platform:postgres"].admin;
        assert.deepEqual(admin, {
            host: "127.0.0.1",
            port: 15432,
            sslmode: "verify-ca",
            sslrootcert: "/runner/_temp/pg-forward/shared-postgres-ca.crt",
        });
        // Only those lines differ: comments and flow lists stay.
        const changed = pinned.split("\n").filter((l) => !text.split("\n").includes(l));
        assert.deepEqual(changed, [
            "      sslmode: verify-ca",
            "      sslrootcert: /runner/_temp/pg-forward/shared-postgres-ca.crt",
        ]);
        // Pinned again (another CA path): the same two lines, rewritten in place.
        assert.equal(pinCa(pinned, "/runner/_temp/pg-forward/shared-postgres-ca.crt"), pinned);
        assert.throws(() => pinCa("config:\n  platform:role: apps\n", "/ca.crt"), {
            message: "admin-forward: the stack file has no platform:postgres.admin",
        });
    });
});
