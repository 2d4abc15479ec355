/**
 * How a config problem is pointed at: list entries by name, the closest known key for an unknown
 * one, `<file>:<line>:<column>` when read from a stack file, the key path alone under the engine
 * (`pulumi config`), and the admin host that no path of the config reaches.
 */
import { strict as assert } from "node:assert";
import { ConfigError, parseConfig, type PostgresConfig } from "../components/config";
import { adminHostWarnings } from "../components/postgres/access-config";
import { closest, formatProblem, labelKey } from "../components/problems";
import { knownKeysAt } from "../components/schema";
import { configSchema } from "../components/config";
import { parseStackConfig, readStackFile, stackLocator } from "../components/stack-file";
import * as pulumi from "@pulumi/pulumi";
import { fixtureSettings, runStack, toConfigMap } from "./mocks";

type Settings = Record<string, any>;

describe("config problem pointers", () => {
    const input = {
        tenants: [{ name: "harbor" }, { name: "gitlab", databases: [{ name: "gitlabhq" }] }],
        postgres: { adminService: { annotations: { "lbipam.cilium.io/ips": "x" } } },
    };

    it("names list entries that have a name, after their index", () => {
        assert.equal(
            labelKey("tenants[1].connectionLimit", input),
            "tenants[1] (gitlab).connectionLimit",
        );
        assert.equal(
            labelKey("tenants[1].databases[0].extensions[2]", input),
            "tenants[1] (gitlab).databases[0] (gitlabhq).extensions[2]",
        );
        // Past the input (a missing key) and foreign keys are printed as given.
        assert.equal(labelKey("tenants[7].name", input), "tenants[7].name");
        assert.equal(labelKey("kubernetes:context", input), "kubernetes:context");
    });

    it("reads map keys with dots as one key", () => {
        assert.equal(
            labelKey("postgres.adminService.annotations.lbipam.cilium.io/ips", input),
            "postgres.adminService.annotations.lbipam.cilium.io/ips",
        );
        const file = readStackFile(
            "Pulumi.x.yaml",
            'config:\n  platform:postgres:\n    adminService:\n      annotations:\n        lbipam.cilium.io/ips: "10.0.0.1"\n',
        );
        assert.deepEqual(
            file.find("platform:postgres.adminService.annotations.lbipam.cilium.io/ips"),
            {
                depth: 4,
                position: "Pulumi.x.yaml:5:9",
            },
        );
        // A key the file lacks: its deepest written part.
        assert.deepEqual(file.find("platform:postgres.admin.host"), {
            depth: 1,
            position: "Pulumi.x.yaml:2:3",
        });
        assert.equal(stackLocator([file])("(root)"), "Pulumi.x.yaml:1:1");
    });

    it("suggests the closest known key, only when it is close", () => {
        const tenantKeys = knownKeysAt(configSchema, ["tenants", 0]);
        assert.ok(
            tenantKeys.includes("connectionLimit") && tenantKeys.includes("passwordRotation"),
        );
        assert.equal(closest("conectionLimit", tenantKeys), "connectionLimit");
        assert.equal(closest("connectionlimit", tenantKeys), "connectionLimit");
        assert.equal(closest("owner", tenantKeys), undefined);
        assert.deepEqual(knownKeysAt(configSchema, ["postgres", "admin"]).sort(), [
            "host",
            "port",
            "sslmode",
            "sslrootcert",
        ]);
    });

    it("under the engine (no stack file) the key path is the pointer, with the entry's name", () => {
        const s = structuredClone(fixtureSettings("infra")) as Settings;
        s["platform:tenants"][1].conectionLimit = 20;
        assert.throws(
            () => parseStackConfig(toConfigMap(s), () => false),
            (e: unknown) =>
                e instanceof ConfigError &&
                e.message ===
                    'invalid configuration (1 problem):\n  - platform:tenants[1] (gitlab).conectionLimit: is not a setting; did you mean "connectionLimit"?',
        );
    });

    it("prints the location before the key", () => {
        assert.equal(
            formatProblem({
                key: "tenants[1].role",
                label: "tenants[1] (gitlab).role",
                location: "Pulumi.infra.yaml:34:7",
                value: "pg_x",
                message: "starts with pg_",
            }),
            'Pulumi.infra.yaml:34:7: platform:tenants[1] (gitlab).role = "pg_x": starts with pg_',
        );
    });
});

describe("admin host without a path", () => {
    const postgres = (edit: (pg: Settings) => void): PostgresConfig => {
        const s = structuredClone(fixtureSettings("infra")) as Settings;
        edit(s["platform:postgres"]);
        const pg = parseConfig(toConfigMap(s)).postgres;
        assert.ok(pg);
        return pg;
    };
    const warnings = (edit: (pg: Settings) => void) =>
        adminHostWarnings(postgres(edit)).map(formatProblem);

    it("accepts a port-forward's loopback host and the LoadBalancer's address or name", () => {
        for (const host of ["127.0.0.1", "localhost", "::1"]) {
            assert.deepEqual(
                warnings((pg) => (pg.admin = { host, port: 15432 })),
                [],
                host,
            );
        }
        const lb = (host: string) => (pg: Settings) => {
            pg.adminService = {
                enabled: true,
                loadBalancerIP: "10.25.11.210",
                sourceRanges: ["10.25.11.40/29"],
            };
            pg.admin = { host };
        };
        assert.deepEqual(warnings(lb("10.25.11.210")), []);
        assert.deepEqual(warnings(lb("pg-admin.monosense.io")), []);
    });

    it("warns about the seed's LoadBalancer address with the LoadBalancer off", () => {
        assert.deepEqual(
            warnings((pg) => {
                pg.adminService = { enabled: false, loadBalancerIP: "10.25.11.210" };
                pg.admin = { host: "10.25.11.210" };
            }),
            [
                'platform:postgres.admin.host = "10.25.11.210": is not reached by any path of this config: adminService is disabled, so PostgreSQL is reached only through a local port-forward; set admin.host to 127.0.0.1 (kubectl port-forward to admin.port, docs/running.md), or enable adminService (loadBalancerIP 10.25.11.210)',
            ],
        );
    });

    it("the program prints the warning on a run", async () => {
        const s = structuredClone(fixtureSettings("infra")) as Settings;
        s["platform:postgres"].adminService = { enabled: false, loadBalancerIP: "10.25.11.210" };
        s["platform:postgres"].admin = { host: "10.25.11.210", port: 5432 };
        const warnings: string[] = [];
        const original = pulumi.log.warn;
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (msg: string) => {
            warnings.push(msg);
            return Promise.resolve();
        };
        try {
            await runStack("infra", toConfigMap(s));
        } finally {
            (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
        }
        assert.deepEqual(
            warnings.filter((w) => w.startsWith("platform:postgres.admin.host")),
            [
                'platform:postgres.admin.host = "10.25.11.210": is not reached by any path of this config: adminService is disabled, so PostgreSQL is reached only through a local port-forward; set admin.host to 127.0.0.1 (kubectl port-forward to admin.port, docs/running.md), or enable adminService (loadBalancerIP 10.25.11.210)',
            ],
        );
    });

    it("warns about an address that is not the LoadBalancer's", () => {
        assert.deepEqual(
            warnings((pg) => {
                pg.adminService = {
                    enabled: true,
                    loadBalancerIP: "10.25.11.210",
                    sourceRanges: ["10.25.11.40/29"],
                };
                pg.admin = { host: "10.25.11.211" };
            }),
            [
                'platform:postgres.admin.host = "10.25.11.211": is neither the admin LoadBalancer\'s address (adminService.loadBalancerIP 10.25.11.210) nor a local port-forward (127.0.0.1); the SQL provider may not reach PostgreSQL there',
            ],
        );
    });
});
