import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { CONFIG_KEYS, itemTitle, parseConfig } from "../components/config";
import { kubernetesClusterIdentifier } from "../components/providers";
import { configProblems, PROJECT_DIR, fixtureConfig, fixtureSettings, toConfigMap } from "./mocks";

type Settings = Record<string, unknown>;

/** The infra fixture settings with one change applied by `edit`. */
function infraWith(edit: (s: Settings) => void): Record<string, string> {
    const settings = structuredClone(fixtureSettings("infra"));
    edit(settings);
    return toConfigMap(settings);
}

const pg = (s: Settings) => s["platform:postgres"] as Record<string, unknown>;
const tenants = (s: Settings) => s["platform:tenants"] as Record<string, unknown>[];
const tenant = (s: Settings, i: number) => tenants(s)[i] as Record<string, unknown>;
const pooler = (s: Settings, i: number) => tenant(s, i).pooler as Record<string, unknown>;

const problemsOf = configProblems;

describe("1Password item titles (one rule)", () => {
    const prod = { vault: "Infra", itemPrefix: "kubernetes/infra" };
    const staging = { vault: "Infra", itemPrefix: "kubernetes/infra-staging" };
    it("keeps the seed's root titles on the production prefix and prefixes them elsewhere", () => {
        assert.equal(itemTitle(prod, "harbor-core", true), "harbor-core");
        assert.equal(itemTitle(prod, "harbor-robot-synergyflow", true), "harbor-robot-synergyflow");
        assert.equal(
            itemTitle(staging, "harbor-core", true),
            "kubernetes/infra-staging/harbor-core",
        );
    });
    it("puts every other name under the prefix, and takes a leading / as absolute", () => {
        assert.equal(itemTitle(prod, "dragonfly/auth"), "kubernetes/infra/dragonfly/auth");
        assert.equal(
            itemTitle(staging, "dragonfly/auth"),
            "kubernetes/infra-staging/dragonfly/auth",
        );
        assert.equal(
            itemTitle(staging, "/kubernetes/infra/cloudnative-pg/minio", true),
            "kubernetes/infra/cloudnative-pg/minio",
        );
    });
});

describe("config", () => {
    it("waits up to 900 s for Harbor's API by default; harborProjects.apiWaitSeconds sets it", () => {
        assert.equal(parseConfig(fixtureConfig("infra")).harborProjects?.apiWaitSeconds, 900);
        const hp = (s: Settings) => s["platform:harborProjects"] as Record<string, unknown>;
        const none = infraWith((s) => (hp(s).apiWaitSeconds = 0));
        assert.equal(parseConfig(none).harborProjects?.apiWaitSeconds, 0);
        assert.deepEqual(problemsOf(infraWith((s) => (hp(s).apiWaitSeconds = -1))), [
            "platform:harborProjects.apiWaitSeconds = -1: must be a number of at least 0",
        ]);
    });

    it("takes the Kubernetes provider's clusterIdentifier from kubernetes.clusterIdentifier, else the role", () => {
        assert.equal(kubernetesClusterIdentifier(parseConfig(fixtureConfig("infra"))), "infra");
        assert.equal(kubernetesClusterIdentifier(parseConfig(fixtureConfig("apps"))), "apps");
        const staging = infraWith((s) => {
            s["platform:kubernetes"] = { context: "admin@staging", clusterIdentifier: "staging" };
        });
        assert.equal(kubernetesClusterIdentifier(parseConfig(staging)), "staging");
        assert.deepEqual(
            problemsOf(infraWith((s) => (s["platform:kubernetes"] = { clusterIdentifier: "" }))),
            ['platform:kubernetes.clusterIdentifier = "": must not be empty'],
        );
    });

    it("accepts the infra and apps fixture settings", () => {
        const infra = parseConfig(fixtureConfig("infra"));
        assert.equal(infra.role, "infra");
        assert.equal(infra.postgres?.name, "shared-postgres");
        assert.equal(infra.postgres?.instances, 3);
        assert.equal(infra.postgres?.storage.size, "500Gi");
        assert.equal(infra.postgres?.walStorage?.size, "200Gi");
        assert.equal(infra.postgres?.storage.storageClass, "rook-ceph-block");
        assert.deepEqual(
            infra.tenants.map((t) => [t.name, t.role, t.databases.map((d) => d.name)]),
            [
                ["harbor", "harbor_app", ["harbor_registry"]],
                ["gitlab", "gitlab_app", ["gitlabhq_production"]], // the live role (seed: gitlab_app)
                ["keycloak", "keycloak", ["keycloak"]],
            ],
        );
        assert.equal(
            infra.postgres?.backup?.destinationPath,
            "s3://monosense-cnpg/shared-postgres",
        );
        assert.equal(infra.postgres?.backup?.retentionPolicy, "30d");
        assert.equal(parseConfig(fixtureConfig("apps")).role, "apps");
    });

    it("declares exactly the schema's top-level keys in Pulumi.yaml", () => {
        const project = YAML.parse(
            fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"),
        ) as {
            config: Record<string, { description?: string }>;
        };
        const declared = Object.keys(project.config)
            .filter((k) => k.startsWith("platform:"))
            .map((k) => k.slice("platform:".length))
            .sort();
        assert.deepEqual(declared, [...CONFIG_KEYS].sort());
        for (const [key, decl] of Object.entries(project.config)) {
            assert.ok(decl.description, `${key} has no description`);
        }
    });

    it("fills nested defaults (pooler, reserved connections, backup options)", () => {
        const cfg = parseConfig(
            infraWith((s) => {
                delete tenant(s, 2).pooler;
                tenant(s, 2).connectionLimit = 40;
                delete pg(s).reservedConnections;
            }),
        );
        assert.deepEqual(cfg.tenants[2]?.pooler, {
            enabled: true,
            instances: 2,
            type: "rw",
            poolMode: "session",
            parameters: {},
        });
        assert.deepEqual(cfg.postgres?.reservedConnections, { superuser: 3, system: 10 });
        assert.equal(cfg.postgres?.backup?.walCompression, "gzip");
        assert.equal(cfg.postgres?.backup?.encryption, undefined);
        assert.equal(cfg.postgres?.backup?.immediate, true);
    });

    const cases: [string, (s: Settings) => void, string[]][] = [
        [
            "missing role",
            (s) => delete s["platform:role"],
            ['platform:role: is required: one of "infra", "apps"'],
        ],
        [
            "unknown role",
            (s) => (s["platform:role"] = "database"),
            ['platform:role = "database": must be one of: "infra", "apps"'],
        ],
        [
            "misspelt top-level key",
            (s) => (s["platform:tenats"] = []),
            ['platform:tenats: is not a setting; did you mean "tenants"?'],
        ],
        [
            "misspelt nested key",
            (s) => (pg(s).instance = 3),
            ['platform:postgres.instance: is not a setting; did you mean "instances"?'],
        ],
        [
            "zero instances",
            (s) => (pg(s).instances = 0),
            ["platform:postgres.instances = 0: must be a whole number from 1 to 9"],
        ],
        [
            "instances as a string",
            (s) => (pg(s).instances = "3"),
            ['platform:postgres.instances = "3": must be a whole number from 1 to 9'],
        ],
        [
            "image without a version tag",
            (s) => (pg(s).imageName = "ghcr.io/cloudnative-pg/postgresql"),
            [
                'platform:postgres.imageName = "ghcr.io/cloudnative-pg/postgresql": needs an explicit PostgreSQL version tag (e.g. ":16.15-system-trixie"): CloudNativePG 1.30 defaults to PostgreSQL 18',
            ],
        ],
        [
            "bad storage size",
            (s) => ((pg(s).storage as Settings).size = "500GB"),
            [
                'platform:postgres.storage.size = "500GB": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
            ],
        ],
        [
            "memory request above its limit",
            (s) => (((pg(s).resources as Settings).requests as Settings).memory = "32Gi"),
            [
                'platform:postgres.resources.requests.memory = "32Gi": must not exceed limits.memory (16Gi)',
            ],
        ],
        [
            "five-field backup cron",
            (s) => ((pg(s).backup as Settings).schedule = "0 2 * * *"),
            [
                'platform:postgres.backup.schedule = "0 2 * * *": has 5 fields, but CloudNativePG schedules have 6 with seconds first; as written it runs at second 0 of minute 2 of hour *, not what a 5-field cron means. Write "0 0 2 * * *" (daily at 02:00 is "0 0 2 * * *")',
            ],
        ],
        [
            "seven-field cron",
            (s) => ((pg(s).backup as Settings).schedule = "0 0 2 * * * 2026"),
            [
                'platform:postgres.backup.schedule = "0 0 2 * * * 2026": must have 6 space-separated fields (second minute hour day-of-month month day-of-week), such as "0 0 2 * * *", or a descriptor such as "@daily"',
            ],
        ],
        [
            "retention without unit",
            (s) => ((pg(s).backup as Settings).retentionPolicy = "30"),
            [
                'platform:postgres.backup.retentionPolicy = "30": must be a number and d, w or m, such as "30d"',
            ],
        ],
        [
            "backup path not s3",
            (s) => ((pg(s).backup as Settings).destinationPath = "monosense-cnpg/shared-postgres"),
            [
                'platform:postgres.backup.destinationPath = "monosense-cnpg/shared-postgres": must be an S3 URL such as "s3://monosense-cnpg/shared-postgres"',
            ],
        ],
        [
            "unsupported data compression",
            (s) => ((pg(s).backup as Settings).dataCompression = "zstd"),
            [
                'platform:postgres.backup.dataCompression = "zstd": must be one of: "bzip2", "gzip", "snappy"',
            ],
        ],
        [
            "max_connections in parameters",
            (s) => ((pg(s).parameters as Settings).max_connections = "500"),
            [
                'platform:postgres.parameters.max_connections = "500": set postgres.maxConnections instead (it is checked against the pooler budget)',
            ],
        ],
        [
            "a parameter CNPG fixes",
            (s) => ((pg(s).parameters as Settings).listen_addresses = "*"),
            ['platform:postgres.parameters.listen_addresses = "*": is fixed by CloudNativePG'],
        ],
        [
            "numeric PostgreSQL parameter",
            (s) => ((pg(s).parameters as Settings).work_mem = 16),
            [
                'platform:postgres.parameters.work_mem = 16: must be a string (quote numbers in YAML: "25")',
            ],
        ],
        [
            "admin service without source ranges",
            (s) => {
                (pg(s).adminService as Settings).enabled = true;
                (pg(s).adminService as Settings).sourceRanges = [];
            },
            [
                "platform:postgres.adminService.sourceRanges = []: must list the CIDRs allowed to reach PostgreSQL when adminService.enabled is true (a LoadBalancer open to every address is refused)",
            ],
        ],
        [
            "bad CIDR",
            (s) => ((pg(s).adminService as Settings).sourceRanges = ["10.25.11.0"]),
            [
                'platform:postgres.adminService.sourceRanges[0] = "10.25.11.0": must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
            ],
        ],
        [
            "infra without postgres",
            (s) => delete s["platform:postgres"],
            [
                'platform:postgres: is required when role is "infra"',
                "platform:tenants: need platform:postgres (the cluster they live in)",
            ],
        ],
        [
            "tenant name with an underscore",
            (s) => (tenant(s, 0).name = "harbor_app"),
            [
                "platform:tenants[0].name = \"harbor_app\": must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
            ],
        ],
        [
            "tenant role reserved by CNPG",
            (s) => (tenant(s, 0).role = "cnpg_harbor"),
            [
                'platform:tenants[0].role = "cnpg_harbor": starts with cnpg_, which CloudNativePG reserves',
            ],
        ],
        [
            "tenant role postgres",
            (s) => (tenant(s, 0).role = "postgres"),
            ['platform:tenants[0].role = "postgres": is reserved'],
        ],
        [
            "duplicate tenant",
            (s) => (tenant(s, 2).name = "harbor"),
            [
                'platform:tenants[2].name = "harbor": is already used by tenants[0]; each tenant needs its own name',
            ],
        ],
        [
            "database shared by two tenants",
            (s) => (tenant(s, 2).databases = [{ name: "harbor_registry" }]),
            [
                'platform:tenants[2].databases[0].name = "harbor_registry": is already used by tenants[0]; databases belong to exactly one tenant',
            ],
        ],
        [
            "system database as tenant database",
            (s) => (tenant(s, 2).databases = [{ name: "postgres" }]),
            ['platform:tenants[2].databases[0].name = "postgres": is a PostgreSQL system database'],
        ],
        [
            "tenant without databases",
            (s) => (tenant(s, 2).databases = []),
            ["platform:tenants[2].databases = []: must list at least one database"],
        ],
        [
            "tenant named minio",
            (s) => (tenant(s, 2).name = "minio"),
            [
                'platform:tenants[2].name = "minio": is reserved (its 1Password item title is used by the cluster itself)',
            ],
        ],
        [
            "unknown pool mode",
            (s) => (pooler(s, 1).poolMode = "statement"),
            [
                'platform:tenants[1].pooler.poolMode = "statement": must be one of: "session", "transaction"',
            ],
        ],
        [
            "PgBouncer parameter outside CNPG's allow-list",
            (s) => ((pooler(s, 1).parameters as Settings).pool_mode = "transaction"),
            [
                'platform:tenants[1].pooler.parameters.pool_mode = "transaction": is not a PgBouncer parameter CloudNativePG accepts; allowed: application_name_add_host, autodb_idle_timeout, cancel_wait_timeout, client_idle_timeout, client_login_timeout, default_pool_size, disable_pqexec, dns_max_ttl, dns_nxdomain_ttl, idle_transaction_timeout, ignore_startup_parameters, listen_backlog, log_connections, log_disconnections, log_pooler_errors, log_stats, max_client_conn, max_db_connections, max_packet_size, max_prepared_statements, max_user_connections, min_pool_size, pkt_buf, query_timeout, query_wait_timeout, reserve_pool_size, reserve_pool_timeout, sbuf_loopcnt, server_check_delay, server_check_query, server_connect_timeout, server_fast_close, server_idle_timeout, server_lifetime, server_login_retry, server_reset_query, server_reset_query_always, server_round_robin, server_tls_ciphers, server_tls_protocols, stats_period, suspend_timeout, tcp_defer_accept, tcp_socket_buffer, tcp_keepalive, tcp_keepcnt, tcp_keepidle, tcp_keepintvl, tcp_user_timeout, track_extra_parameters, verbose',
            ],
        ],
        [
            "PgBouncer parameter as a YAML number",
            (s) => ((pooler(s, 1).parameters as Settings).default_pool_size = 20),
            [
                'platform:tenants[1].pooler.parameters.default_pool_size = 20: must be a string (quote numbers in YAML: "25")',
            ],
        ],
        [
            "PgBouncer pool size that is not a number",
            (s) => ((pooler(s, 1).parameters as Settings).default_pool_size = "twenty"),
            [
                'platform:tenants[1].pooler.parameters.default_pool_size = "twenty": must be a whole number written as a string, such as "20"',
            ],
        ],
        [
            "the seed's harbor pooler: 3 instances × 25 against a limit of 30",
            (s) => {
                tenant(s, 0).connectionLimit = 30;
                pooler(s, 0).instances = 3;
                pooler(s, 0).parameters = { default_pool_size: "25", max_client_conn: "500" };
            },
            [
                `platform:tenants[0].connectionLimit = 30: tenant "harbor": 3 pooler instances × 1 database × (25 default_pool_size + 0 reserve_pool_size) = 75 server connections, more than role harbor_app's connectionLimit 30; PgBouncer logins beyond it fail with "too many connections for role". Lower pooler.instances or default_pool_size/reserve_pool_size, or raise connectionLimit to at least 75`,
            ],
        ],
        [
            "PgBouncer's default pool size (20) counted when unset",
            (s) => (pooler(s, 2).parameters = {}),
            [
                `platform:tenants[2].connectionLimit = 30: tenant "keycloak": 2 pooler instances × 1 database × (20 default_pool_size + 0 reserve_pool_size) = 40 server connections, more than role keycloak's connectionLimit 30; PgBouncer logins beyond it fail with "too many connections for role". Lower pooler.instances or default_pool_size/reserve_pool_size, or raise connectionLimit to at least 40`,
            ],
        ],
        [
            "max_connections below the sum of the tenants",
            (s) => (pg(s).maxConnections = 100),
            [
                [
                    "platform:postgres.maxConnections = 100: is below what the tenants can use: 180 role connectionLimits + 180 auth_query connections + 3 superuser_reserved_connections + 10 system headroom = 373. Raise maxConnections to at least 373 or lower the tenants' connectionLimit",
                    "      per role, largest first: connectionLimit + auth_query connections (pooler instances × (default_pool_size + reserve_pool_size): each instance runs auth_query on one pool of its own, in the postgres database)",
                    "      harbor_app  90 + 90 auth_query (3 instances × (30 + 0)) = 180",
                    "      gitlab_app  60 + 60 auth_query (3 instances × (20 + 0)) = 120",
                    "      keycloak    30 + 30 auth_query (2 instances × (15 + 0)) = 60",
                ].join("\n"),
            ],
        ],
    ];

    for (const [title, edit, expected] of cases) {
        it(`rejects ${title}`, () => {
            assert.deepEqual(problemsOf(infraWith(edit)), expected);
        });
    }

    it("reports every problem at once, and never prints the kubeconfig", () => {
        const problems = problemsOf(
            infraWith((s) => {
                pg(s).instances = 0;
                pg(s).maxConnections = 5;
                // A kubeconfig written as a YAML map reaches the program as its JSON text.
                s["platform:kubeconfig"] = { apiVersion: "v1", token: "do-not-print" };
            }),
        );
        assert.deepEqual(problems, [
            "platform:postgres.instances = 0: must be a whole number from 1 to 9",
            "platform:postgres.maxConnections = 5: must be a whole number from 20 to 10000",
        ]);
        assert.ok(problems.every((p) => !p.includes("do-not-print")));
    });
});

describe("Pulumi.yaml config declarations", () => {
    const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
        config: Record<string, { default?: unknown; secret?: boolean }>;
    };

    it("gives every key but platform:role a default (Pulumi refuses stacks missing a declared key without one)", () => {
        const withoutDefault = Object.entries(project.config)
            // Keys of other namespaces carry a `value`, not a declaration (none can be missing).
            .filter(([key]) => key.startsWith("platform:"))
            .filter(([, decl]) => decl.default === undefined || decl.default === null)
            .map(([key]) => key);
        assert.deepEqual(withoutDefault, ["platform:role"]);
    });

    it("treats the empty defaults of optional sections as not configured", () => {
        const apps = parseConfig(
            toConfigMap({ "platform:role": "apps", "platform:infraStack": "org/platform/infra" }),
        );
        assert.equal(apps.postgres, undefined);
        assert.equal(apps.harbor, undefined);
        assert.equal(apps.dragonfly, undefined);
        assert.equal(apps.harborProjects, undefined);
        assert.equal(apps.kubeconfig, undefined);
        assert.equal(apps.knownTenants, undefined);
    });
});
