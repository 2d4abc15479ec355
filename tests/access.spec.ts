/**
 * Who may log in where: the shared cluster's pg_hba, each pooler's PgBouncer hba, the admin
 * LoadBalancer and the config rules around them.
 *
 * The files are evaluated as the servers do (first matching line wins), wrapped in the lines
 * CloudNativePG 1.30.0 puts around the user rules:
 * - server: pkg/postgres/configuration.go (hbaTemplateString): the metrics exporter's and the
 *   local peer rules, streaming_replica and cnpg_pooler_pgbouncer cert rules (with their ident
 *   maps, new since 1.26.1) before, `host all all all scram-sha-256` after;
 * - PgBouncer: pkg/management/pgbouncer/config/config.go (pgbouncerHBAFileTemplateString, as 1.26.1):
 *   `local pgbouncer pgbouncer peer` before, `host all all 0.0.0.0/0 md5` and `::/0 md5` after.
 */
import { strict as assert } from "node:assert";
import { BlockList, isIPv6 } from "node:net";
import { ConfigError, parseConfig, type PlatformConfig } from "../components/config";
import { cidrsOverlap } from "../components/postgres/access-config";
import { poolerHbaRules, serverHbaRules } from "../components/postgres/hba";
import { buildClusterSpec, buildPoolerSpec } from "../components/postgres/spec";
import { fixtureConfig, fixtureSettings, toConfigMap } from "./mocks";

const CNPG_SERVER_BEFORE = [
    "local all cnpg_metrics_exporter peer map=cnpg_metrics_exporter",
    "local all all peer map=local",
    "hostssl postgres streaming_replica all cert map=cnpg_streaming_replica",
    "hostssl replication streaming_replica all cert map=cnpg_streaming_replica",
    "hostssl all cnpg_pooler_pgbouncer all cert map=cnpg_pooler_pgbouncer",
];
const CNPG_SERVER_AFTER = ["host all all all scram-sha-256"];
const CNPG_POOLER_BEFORE = ["local pgbouncer pgbouncer peer"];
const CNPG_POOLER_AFTER = ["host all all 0.0.0.0/0 md5", "host all all ::/0 md5"];

interface Conn {
    local?: boolean;
    ssl: boolean;
    database: string;
    user: string;
    address: string;
}

function addressMatches(field: string, address: string): boolean {
    if (field === "all") return true;
    const [net = "", prefix = "32"] = field.split("/");
    const family = isIPv6(net) ? "ipv6" : "ipv4";
    if (isIPv6(address) !== (family === "ipv6")) return false;
    const list = new BlockList();
    list.addSubnet(net, Number(prefix), family);
    return list.check(address, family);
}

/** The method of the first line matching `c`, as PostgreSQL and PgBouncer evaluate hba files. */
function evaluate(lines: string[], c: Conn): string {
    for (const line of lines) {
        const f = line.trim().split(/\s+/);
        const [kind = "", db = "", user = ""] = f;
        if (kind === "local") {
            if (!c.local) continue;
        } else {
            if (c.local) continue;
            if (kind === "hostssl" && !c.ssl) continue;
            if (kind === "hostnossl" && c.ssl) continue;
            if (!addressMatches(f[3] ?? "", c.address)) continue;
        }
        if (db !== "all" && !db.split(",").includes(c.database)) continue;
        if (user !== "all" && !user.split(",").includes(c.user)) continue;
        return (kind === "local" ? f[3] : f[4]) ?? "";
    }
    return "no match (rejected)";
}

const infra: PlatformConfig = parseConfig(fixtureConfig("infra"));
const pg = infra.postgres!;
const [harbor, gitlab, keycloak] = infra.tenants;
const POD = "10.246.3.7"; // an apps pod (ClusterMesh routes pod addresses)
const NODE = "10.25.11.14"; // an apps node (pod egress to a LoadBalancer IP is masqueraded)
const OPERATOR = "10.25.11.50"; // an operator's machine named in sourceRanges

function serverFile(spec: Record<string, any>): string[] {
    return [...CNPG_SERVER_BEFORE, ...(spec.postgresql.pg_hba as string[]), ...CNPG_SERVER_AFTER];
}

describe("access: the shared cluster's pg_hba", () => {
    const shipped = serverFile(buildClusterSpec(pg, infra.tenants) as Record<string, any>);
    const withLb = serverFile(
        buildClusterSpec(
            {
                ...pg,
                adminService: {
                    ...pg.adminService,
                    enabled: true,
                    sourceRanges: [`${OPERATOR}/32`],
                },
            },
            infra.tenants,
        ) as Record<string, any>,
    );

    it("puts the TLS and admin rules before the configured ones", () => {
        assert.deepEqual(
            serverHbaRules({
                adminRole: "postgres",
                adminSourceRanges: ["10.25.11.50/32"],
                userRules: ["hostssl all all all scram-sha-256"],
            }),
            [
                "hostnossl all all all reject",
                "hostssl all postgres 10.25.11.50/32 scram-sha-256",
                "hostssl all postgres 127.0.0.1/32 scram-sha-256",
                "hostssl all postgres ::1/128 scram-sha-256",
                "host all postgres all reject",
                "hostssl all all all scram-sha-256",
            ],
        );
    });

    it("rejects every connection without TLS, which CNPG's appended host rule would admit", () => {
        for (const user of ["harbor_app", "gitlab_app", "postgres", "keycloak"]) {
            assert.equal(
                evaluate(shipped, { ssl: false, database: "keycloak", user, address: POD }),
                "reject",
                user,
            );
        }
    });

    it("keeps what CNPG needs: local peer, replication and pooler client certificates", () => {
        const local = {
            local: true,
            ssl: false,
            database: "postgres",
            user: "postgres",
            address: "",
        };
        assert.equal(evaluate(shipped, local), "peer");
        assert.equal(
            evaluate(shipped, {
                ssl: true,
                database: "replication",
                user: "streaming_replica",
                address: "10.244.1.5",
            }),
            "cert",
        );
        assert.equal(
            evaluate(shipped, {
                ssl: true,
                database: "gitlabhq_production",
                user: "cnpg_pooler_pgbouncer",
                address: "10.244.1.9",
            }),
            "cert",
        );
    });

    it("admits the superuser only from the admin path: loopback (port-forward) and the LoadBalancer's source ranges", () => {
        const su = (address: string) => ({
            ssl: true,
            database: "postgres",
            user: "postgres",
            address,
        });
        assert.equal(evaluate(shipped, su("127.0.0.1")), "scram-sha-256");
        assert.equal(evaluate(shipped, su(POD)), "reject");
        assert.equal(evaluate(shipped, su(NODE)), "reject");
        assert.equal(
            evaluate(shipped, su(OPERATOR)),
            "reject",
            "no LoadBalancer in the shipped stack",
        );
        assert.equal(evaluate(withLb, su(OPERATOR)), "scram-sha-256");
        assert.equal(evaluate(withLb, su(NODE)), "reject");
    });

    it("still admits tenant roles over TLS (through their poolers)", () => {
        assert.equal(
            evaluate(shipped, {
                ssl: true,
                database: "keycloak",
                user: "keycloak",
                address: "10.244.2.2",
            }),
            "scram-sha-256",
        );
    });
});

describe("access: PgBouncer hba per pooler", () => {
    const file = (t: typeof gitlab) => [
        ...CNPG_POOLER_BEFORE,
        ...((buildPoolerSpec(pg, t!) as any).pgbouncer.pg_hba as string[]),
        ...CNPG_POOLER_AFTER,
    ];

    it("sets spec.pgbouncer.pg_hba to the tenant's role and databases over TLS, then rejects", () => {
        assert.deepEqual(poolerHbaRules(gitlab!), [
            "hostssl gitlabhq_production gitlab_app 0.0.0.0/0 scram-sha-256",
            "hostssl gitlabhq_production gitlab_app ::/0 scram-sha-256",
            "host all all 0.0.0.0/0 reject",
            "host all all ::/0 reject",
        ]);
    });

    it("admits only the tenant's role to its databases; the superuser and other tenants are rejected before CNPG's md5 lines", () => {
        const gl = file(gitlab);
        const c = (user: string, database: string, ssl = true) => ({
            ssl,
            database,
            user,
            address: POD,
        });
        assert.equal(evaluate(gl, c("gitlab_app", "gitlabhq_production")), "scram-sha-256");
        assert.equal(evaluate(gl, c("gitlab_app", "gitlabhq_production", false)), "reject");
        assert.equal(evaluate(gl, c("postgres", "gitlabhq_production")), "reject");
        assert.equal(evaluate(gl, c("postgres", "postgres")), "reject");
        assert.equal(evaluate(gl, c("harbor_app", "harbor_registry")), "reject");
        assert.equal(evaluate(gl, c("gitlab_app", "keycloak")), "reject");
        assert.equal(
            evaluate(gl, { ...c("gitlab_app", "gitlabhq_production"), address: "fd00::5" }),
            "scram-sha-256",
        );
        assert.equal(evaluate(file(harbor), c("harbor_app", "harbor_registry")), "scram-sha-256");
        assert.equal(evaluate(file(keycloak), c("gitlab_app", "gitlabhq_production")), "reject");
    });
});

describe("access: admin LoadBalancer and config rules", () => {
    const problems = (edit: (s: Record<string, any>) => void): string[] => {
        const s = structuredClone(fixtureSettings("infra")) as Record<string, any>;
        edit(s);
        try {
            parseConfig(toConfigMap(s));
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            return e.message
                .split("\n")
                .slice(1)
                .map((l) => l.replace(/^ {2}- /, ""));
        }
        return [];
    };
    const enableLb = (s: Record<string, any>, ranges: string[]) => {
        const svc = s["platform:postgres"].adminService;
        svc.enabled = true;
        svc.sourceRanges = ranges;
    };

    it("preserves the client address (externalTrafficPolicy: Local) so pg_hba sees the operator's machine", () => {
        const spec = buildClusterSpec(
            {
                ...pg,
                adminService: {
                    ...pg.adminService,
                    enabled: true,
                    sourceRanges: ["10.25.11.50/32"],
                },
            },
            infra.tenants,
        ) as Record<string, any>;
        const svc = spec.managed.services.additional[0].serviceTemplate.spec;
        assert.equal(svc.externalTrafficPolicy, "Local");
        assert.deepEqual(svc.loadBalancerSourceRanges, ["10.25.11.50/32"]);
    });

    it("refuses the seed's source range: it covers both clusters' nodes, which every pod's egress comes from", () => {
        assert.deepEqual(
            problems((s) => enableLb(s, ["10.25.11.0/24"])),
            [
                "platform:postgres.adminService.sourceRanges[0] = \"10.25.11.0/24\": overlaps clusterRanges entry 10.25.11.11/32: pods reach the LoadBalancer from node and pod addresses, so this would admit every pod; name the operators' machines or the runner's egress address",
            ],
        );
        assert.equal(problems((s) => enableLb(s, ["10.246.0.0/24"])).length, 1);
        assert.deepEqual(
            problems((s) => enableLb(s, ["10.25.11.50/32"])),
            [],
        );
    });

    it("refuses a tenant sslmode of disable", () => {
        assert.deepEqual(
            problems((s) => (s["platform:tenants"][2].sslmode = "disable")),
            [
                'platform:tenants[2].sslmode = "disable": the server and the poolers reject connections without TLS (hostnossl … reject); use require, verify-ca or verify-full',
            ],
        );
    });

    it("computes CIDR overlap both ways and per family", () => {
        assert.equal(cidrsOverlap("10.25.11.0/24", "10.25.11.12/30"), true);
        assert.equal(cidrsOverlap("10.25.11.13/32", "10.25.11.12/30"), true);
        assert.equal(cidrsOverlap("10.25.11.20/32", "10.25.11.12/30"), false);
        assert.equal(cidrsOverlap("10.0.0.0/8", "fd00::/8"), false);
    });
});
