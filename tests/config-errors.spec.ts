/**
 * Every wrong config gets one clear error: rows of (stack file content, or one edit of this spec's
 * own fixture stacks in tests/fixtures/config-errors) → the exact error text. Each row runs the
 * render's parse path (scripts/render.ts loadStackConfig → components/stack-file.ts
 * parseStackConfig, which index.ts runs on pulumi.runtime.allConfig()) and no program.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ConfigError } from "../components/config";
import { checkAgainstInfra, parseInfraOutputs } from "../components/apps/infra";
import { engineIsSecret, parseStackConfig, StackFileError } from "../components/stack-file";
import { loadStackConfig } from "../scripts/render";

type Settings = Record<string, unknown>;
type Obj = Record<string, unknown>;
type Stack = "infra" | "apps";

const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");
const FIXTURES = path.join(__dirname, "fixtures", "config-errors");
const fixture = (stack: Stack): Settings =>
    (
        YAML.parse(fs.readFileSync(path.join(FIXTURES, `${stack}.yaml`), "utf8")) as {
            config: Settings;
        }
    ).config;

const FIXTURE_FILE = (stack: Stack) => path.join(FIXTURES, `${stack}.yaml`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-config-errors-"));
const FILE = path.join(tmp, "Pulumi.test.yaml");

/** The error the render (and the program) reports for this stack file, or "" when it is valid. */
function errorFor(text: string): string {
    fs.writeFileSync(FILE, text);
    try {
        const { config, secretKeys } = loadStackConfig(PROJECT_FILE, FILE);
        parseStackConfig(config, (key) => secretKeys.includes(key));
    } catch (e) {
        assert.ok(
            e instanceof ConfigError || e instanceof StackFileError,
            `expected a ConfigError or StackFileError, got ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        );
        return e.message;
    }
    return "";
}

function edited(stack: Stack, edit: (s: Settings) => void): string {
    const s = structuredClone(fixture(stack));
    edit(s);
    return YAML.stringify({ config: s });
}

/** One problem, as ConfigError prints it. */
const one = (line: string) => `invalid configuration (1 problem):\n  - ${line}`;
const many = (...lines: string[]) =>
    `invalid configuration (${lines.length} problems):\n${lines.map((l) => `  - ${l}`).join("\n")}`;

const at = (o: unknown, ...keys: (string | number)[]): Obj => {
    let cur = o as Obj;
    for (const k of keys) cur = (cur as Record<string | number, unknown>)[k] as Obj;
    return cur;
};
const pg = (s: Settings) => at(s, "platform:postgres");
const tenant = (s: Settings, i: number) => at(s, "platform:tenants", i);
const harbor = (s: Settings) => at(s, "platform:harbor");
const projects = (s: Settings) => at(s, "platform:harborProjects", "projects") as unknown as Obj[];
const app = (s: Settings, i: number) => at(s, "platform:applications", i);

type Row = [title: string, stack: Stack, input: string | ((s: Settings) => void), error: string];

const ROWS: Row[] = [
    // Quantities that are not Kubernetes quantities, with a request and a limit set.
    [
        "memory 16gb with a limit",
        "infra",
        (s) => (at(pg(s), "resources", "requests").memory = "16gb"),
        one(
            'platform:postgres.resources.requests.memory = "16gb": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        'cpu "4 cores" as a limit',
        "infra",
        (s) => (at(pg(s), "resources", "limits").cpu = "4 cores"),
        one(
            'platform:postgres.resources.limits.cpu = "4 cores": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "memory 2GB on Dragonfly",
        "infra",
        (s) => (at(s, "platform:dragonfly", "resources", "limits").memory = "2GB"),
        one(
            'platform:dragonfly.resources.limits.memory = "2GB": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "cpu 250mi on a co-located cluster",
        "apps",
        (s) => (at(app(s, 1), "postgres", "resources", "requests").cpu = "250mi"),
        one(
            'platform:applications[1].postgres.resources.requests.cpu = "250mi": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "both request and limit malformed",
        "infra",
        (s) => {
            at(pg(s), "resources", "requests").cpu = "1 core";
            at(pg(s), "resources", "limits").cpu = "2 cores";
        },
        many(
            'platform:postgres.resources.requests.cpu = "1 core": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
            'platform:postgres.resources.limits.cpu = "2 cores": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "a quantity as a YAML number",
        "infra",
        (s) => (at(pg(s), "resources", "limits").memory = 4),
        one(
            'platform:postgres.resources.limits.memory = 4: must be a Kubernetes quantity such as "500m", "2", "256Mi" or "8Gi"',
        ),
    ],
    [
        "request above limit",
        "infra",
        (s) => (at(pg(s), "resources", "requests").memory = "8Gi"),
        one(
            'platform:postgres.resources.requests.memory = "8Gi": must not exceed limits.memory (4Gi)',
        ),
    ],
    // Zero sizes.
    [
        'storage.size "0"',
        "infra",
        (s) => (at(pg(s), "storage").size = "0"),
        one('platform:postgres.storage.size = "0": must be greater than zero'),
    ],
    [
        "storage.size 0Gi",
        "infra",
        (s) => (at(pg(s), "storage").size = "0Gi"),
        one('platform:postgres.storage.size = "0Gi": must be greater than zero'),
    ],
    [
        "walStorage.size 0Mi",
        "infra",
        (s) => (pg(s).walStorage = { size: "0Mi" }),
        one('platform:postgres.walStorage.size = "0Mi": must be greater than zero'),
    ],
    [
        'memory request "0"',
        "infra",
        (s) => (at(pg(s), "resources", "requests").memory = "0"),
        one('platform:postgres.resources.requests.memory = "0": must be greater than zero'),
    ],
    [
        'memory limit "0"',
        "infra",
        (s) => (at(pg(s), "resources", "limits").memory = "0"),
        one('platform:postgres.resources.limits.memory = "0": must be greater than zero'),
    ],
    [
        "co-located storage 0Gi",
        "apps",
        (s) => (at(app(s, 1), "postgres", "storage").size = "0Gi"),
        one('platform:applications[1].postgres.storage.size = "0Gi": must be greater than zero'),
    ],
    [
        "Harbor filesystem size 0",
        "infra",
        (s) => (at(harbor(s), "storage", "filesystem").size = "0"),
        one('platform:harbor.storage.filesystem.size = "0": must be greater than zero'),
    ],
    [
        "Dragonfly maxMemory 0Mi",
        "infra",
        (s) => (at(s, "platform:dragonfly").maxMemory = "0Mi"),
        one('platform:dragonfly.maxMemory = "0Mi": must be greater than zero'),
    ],
    // CIDRs.
    [
        "an octet over 255",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["10.25.11.300/24"]),
        one(
            'platform:postgres.adminService.sourceRanges[0] = "10.25.11.300/24": must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
        ),
    ],
    [
        "a prefix over 32",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["10.25.11.0/33"]),
        one(
            'platform:postgres.adminService.sourceRanges[0] = "10.25.11.0/33": must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
        ),
    ],
    [
        "no prefix",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["10.25.11.0"]),
        one(
            'platform:postgres.adminService.sourceRanges[0] = "10.25.11.0": must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
        ),
    ],
    [
        "0.0.0.0/0 on the superuser endpoint",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["10.25.11.0/24", "0.0.0.0/0"]),
        one(
            'platform:postgres.adminService.sourceRanges[1] = "0.0.0.0/0": matches every address, which opens the superuser endpoint to everyone; list the networks that need it',
        ),
    ],
    [
        "::/0 on the superuser endpoint",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["::/0"]),
        one(
            'platform:postgres.adminService.sourceRanges[0] = "::/0": matches every address, which opens the superuser endpoint to everyone; list the networks that need it',
        ),
    ],
    [
        "an IPv6 prefix over 128",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["fd00::/129"]),
        one(
            'platform:postgres.adminService.sourceRanges[0] = "fd00::/129": must be a CIDR such as "10.25.11.0/24" (IPv4 octets 0-255, prefix 0-32) or "fd00::/64"',
        ),
    ],
    [
        "no ranges with the endpoint enabled",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = []),
        one(
            "platform:postgres.adminService.sourceRanges = []: must list the CIDRs allowed to reach PostgreSQL when adminService.enabled is true (a LoadBalancer open to every address is refused)",
        ),
    ],
    // Harbor URLs and projects.
    [
        "a hostname with a comma",
        "infra",
        (s) => (harbor(s).externalURL = "https://harbor,example.org"),
        one(
            'platform:harbor.externalURL = "https://harbor,example.org": must have a hostname of letters, digits, "." and "-" only, such as "https://harbor.monosense.io"',
        ),
    ],
    [
        "externalURL over http",
        "infra",
        (s) => (harbor(s).externalURL = "http://harbor.example.org"),
        one(
            'platform:harbor.externalURL = "http://harbor.example.org": must be an https:// URL such as "https://harbor.monosense.io"',
        ),
    ],
    [
        "externalURL with a path",
        "infra",
        (s) => (harbor(s).externalURL = "https://harbor.example.org/harbor"),
        one(
            'platform:harbor.externalURL = "https://harbor.example.org/harbor": must be scheme and host only, such as "https://harbor.monosense.io" (no path)',
        ),
    ],
    [
        "apiUrl without /api/v2.0",
        "infra",
        (s) => (at(s, "platform:harborProjects").apiUrl = "https://harbor.example.org"),
        one(
            'platform:harborProjects.apiUrl = "https://harbor.example.org": must be Harbor\'s API base: scheme, host and /api/v2.0, such as "https://harbor.monosense.io/api/v2.0"',
        ),
    ],
    [
        "apiUrl that is no URL",
        "infra",
        (s) => (at(s, "platform:harborProjects").apiUrl = "harbor.example.org/api/v2.0"),
        one(
            'platform:harborProjects.apiUrl = "harbor.example.org/api/v2.0": must be an http(s) URL ending in /api/v2.0, such as "https://harbor.monosense.io/api/v2.0"',
        ),
    ],
    [
        "a private project without a robot",
        "infra",
        (s) => (projects(s)[1]!.public = false),
        one(
            'platform:harborProjects.projects[1].robots = []: must list at least one robot for a private project (public: false), or nothing can pull from it; add e.g. { name: "pull", permissions: ["pull"] }',
        ),
    ],
    [
        "a project name with capitals, at its index",
        "infra",
        (s) => (projects(s)[1]!.name = "Beta"),
        one(
            "platform:harborProjects.projects[1].name = \"Beta\": must be a Harbor name: lowercase letters and digits, with single '.', '_' or '-' between them",
        ),
    ],
    [
        "a project declared twice",
        "infra",
        (s) => (projects(s)[1]!.name = "alpha"),
        one(
            'platform:harborProjects.projects[1].name = "alpha": is already used by harborProjects.projects[0]; each project is declared once',
        ),
    ],
    [
        "a robot declared twice",
        "infra",
        (s) =>
            at(projects(s)[0], "robots").push
                ? (projects(s)[0]!.robots as Obj[]).push({
                      name: "alpha-puller",
                      permissions: ["pull"],
                  })
                : undefined,
        one(
            'platform:harborProjects.projects[0].robots[1].name = "alpha-puller": is already used by robots[0] of this project',
        ),
    ],
    [
        "a robot without permissions",
        "infra",
        (s) => ((projects(s)[0]!.robots as Obj[])[0]!.permissions = []),
        one(
            "platform:harborProjects.projects[0].robots[0].permissions = []: must grant at least one permission",
        ),
    ],
    [
        "storageQuotaGiB 0",
        "infra",
        (s) => (projects(s)[0]!.storageQuotaGiB = 0),
        one(
            "platform:harborProjects.projects[0].storageQuotaGiB = 0: must be a whole number of GiB greater than 0 (omit it for unlimited)",
        ),
    ],
    [
        "apiWaitSeconds below 0",
        "infra",
        (s) => (at(s, "platform:harborProjects").apiWaitSeconds = -1),
        one("platform:harborProjects.apiWaitSeconds = -1: must be a number of at least 0"),
    ],
    [
        "the apps' harborHostname with a comma",
        "apps",
        (s) => (s["platform:harborHostname"] = "harbor,example.org"),
        one(
            'platform:harborHostname = "harbor,example.org": must be a hostname such as "harbor.monosense.io"',
        ),
    ],
    // Library messages replaced by what is allowed; missing keys.
    [
        "a chart repository that is no URL",
        "infra",
        (s) => (s["platform:cnpg"] = { chart: { repository: "charts" } }),
        one(
            'platform:cnpg.chart.repository = "charts": must be a URL such as "https://example.com"',
        ),
    ],
    [
        "an empty kubernetes.context",
        "infra",
        (s) => (at(s, "platform:kubernetes").context = ""),
        one('platform:kubernetes.context = "": must not be empty'),
    ],
    [
        "an extension with capitals",
        "infra",
        (s) => (at(tenant(s, 1), "databases", 0).extensions = ["PG_TRGM"]),
        one(
            'platform:tenants[1].databases[0].extensions[0] = "PG_TRGM": must be an extension name: lowercase letters, digits, "_" and "-", such as "pg_trgm"',
        ),
    ],
    [
        "a backup endpoint that is no URL",
        "infra",
        (s) => (pg(s).backup = { destinationPath: "s3://bucket/x", endpointURL: "minio:9000" }),
        one(
            'platform:postgres.backup.endpointURL = "minio:9000": must be an http:// or https:// URL',
        ),
    ],
    [
        "no role",
        "infra",
        (s) => delete s["platform:role"],
        one('platform:role: is required: one of "infra", "apps"'),
    ],
    [
        "an unknown role",
        "infra",
        (s) => (s["platform:role"] = "db"),
        one('platform:role = "db": must be one of: "infra", "apps"'),
    ],
    [
        "no admin host",
        "infra",
        (s) => delete pg(s).admin,
        one("platform:postgres.admin: is required"),
    ],
    [
        "no tenant name",
        "infra",
        (s) => delete tenant(s, 1).name,
        one("platform:tenants[1].name: is required"),
    ],
    [
        "no databases",
        "infra",
        (s) => (tenant(s, 1).databases = []),
        one("platform:tenants[1].databases = []: must list at least one database"),
    ],
    [
        "no Harbor gateway",
        "infra",
        (s) => delete harbor(s).gateway,
        one("platform:harbor.gateway: is required"),
    ],
    [
        "no infraStack on apps",
        "apps",
        (s) => delete s["platform:infraStack"],
        one(
            'platform:infraStack: is required when role is "apps": the infra stack to read through a StackReference, such as "organization/platform/infra"',
        ),
    ],
    [
        "an unknown tenant of an app",
        "apps",
        (s) => (app(s, 0).tenant = "gitlba"),
        one(
            'platform:applications[0].tenant = "gitlba": is not a tenant of the infra stack; known tenants (platform:knownTenants): harbor, gitlab',
        ),
    ],
    [
        "an unknown setting",
        "infra",
        (s) => (pg(s).instnaces = 3),
        one(
            'platform:postgres: unknown setting "instnaces" (check the spelling against Pulumi.yaml)',
        ),
    ],
    // The file itself.
    [
        "tabs as indentation",
        "infra",
        "config:\n\tplatform:role: infra\n",
        "<file>:2:1: Tabs are not allowed as indentation",
    ],
    [
        "a key given twice",
        "infra",
        "config:\n  platform:role: infra\n  platform:tenants: []\n  platform:role: apps\n",
        "<file>:4:3: Map keys must be unique",
    ],
    [
        "an unclosed flow map",
        "infra",
        "config:\n  platform:role: infra\n  platform:postgres: { admin: { host: x }\n",
        "<file>:4:1: Flow map in block collection must be sufficiently indented and end with a }",
    ],
    [
        "no config: key",
        "infra",
        "platform:role: infra\nplatform:tenants: []\n",
        '<file>: has no "config:" key; the stack\'s settings go under "config:" (found: platform:role, platform:tenants)',
    ],
    [
        "a list where the file's map belongs",
        "infra",
        "- platform:role: infra\n",
        '<file>: must be a map with a "config:" key holding the stack\'s settings, but is a list',
    ],
    [
        "a list where config: belongs",
        "infra",
        "config:\n  - platform:role: infra\n",
        '<file>: "config:" must be a map of "platform:<key>: <value>" settings, but is a list',
    ],
    [
        "a misspelt namespace",
        "infra",
        (s) => {
            s["platfrom:tenants"] = s["platform:tenants"];
            delete s["platform:tenants"];
        },
        many(
            'platfrom:tenants: is in the unknown namespace "platfrom"; did you mean platform:tenants?',
            'platform:tenants: need a tenant named "harbor" when platform:harbor is set (Harbor\'s database, role and pooler)',
        ),
    ],
    [
        "a misspelt namespace for the role",
        "apps",
        (s) => {
            s["plaform:role"] = "apps";
            delete s["platform:role"];
        },
        many(
            'plaform:role: is in the unknown namespace "plaform"; did you mean platform:role?',
            'platform:role: is required: one of "infra", "apps"',
        ),
    ],
    [
        "kubernetes:context",
        "infra",
        (s) => (s["kubernetes:context"] = "admin@infra"),
        one(
            "kubernetes:context: is not read by this program: set platform:kubernetes.context instead",
        ),
    ],
    [
        "kubernetes:namespace",
        "infra",
        (s) => (s["kubernetes:namespace"] = "cnpg-system"),
        one(
            "kubernetes:namespace: is not read by this program: set the namespace of each area instead (platform:cnpg.namespace, platform:postgres.namespace, platform:harbor.namespace, platform:applications[].namespace)",
        ),
    ],
    [
        "kubernetes:kubeconfig",
        "apps",
        (s) => (s["kubernetes:kubeconfig"] = "~/.kube/config"),
        one(
            "kubernetes:kubeconfig: is not read by this program: set platform:kubeconfig instead (pulumi config set --secret platform:kubeconfig ...)",
        ),
    ],
    [
        "another kubernetes: key",
        "infra",
        (s) => (s["kubernetes:enableServerSideApply"] = "true"),
        one(
            "kubernetes:enableServerSideApply: is not read by this program: the program's Kubernetes provider is explicit and ignores kubernetes:* settings; use platform:kubeconfig and platform:kubernetes",
        ),
    ],
    [
        "postgresql:host",
        "infra",
        (s) => (s["postgresql:host"] = "10.25.11.210"),
        one(
            "postgresql:host: is not read by this program: the program's PostgreSQL provider is explicit and ignores postgresql:* settings; it connects to platform:postgres.admin (host, port, sslmode) with the superuser password the cluster generates",
        ),
    ],
    [
        "postgresql:password",
        "infra",
        (s) => (s["postgresql:password"] = { secure: "v1:abc" }),
        one(
            "postgresql:password: is not read by this program: the program's PostgreSQL provider is explicit and ignores postgresql:* settings; it connects to platform:postgres.admin (host, port, sslmode) with the superuser password the cluster generates",
        ),
    ],
    [
        "onepassword:vault",
        "apps",
        (s) => (s["onepassword:vault"] = "Infra"),
        one(
            "onepassword:vault: is not read by this program: the 1Password provider reads only onepassword:url, onepassword:token and onepassword:serviceAccountToken; vault and item prefix are platform:onepassword.vault and platform:onepassword.itemPrefix",
        ),
    ],
    [
        "a kubeconfig in plain text",
        "infra",
        (s) =>
            (s["platform:kubeconfig"] =
                "apiVersion: v1\nclusters: []\nusers:\n- name: admin\n  user:\n    token: abc\n"),
        one(
            'platform:kubeconfig: holds a kubeconfig with the cluster\'s credentials in plain text; remove it from the stack file and run: pulumi config set --secret platform:kubeconfig "$(cat <kubeconfig file>)"',
        ),
    ],
    [
        "a 1Password Connect token in plain text",
        "infra",
        (s) => (s["onepassword:token"] = "eyJhbGciOi"),
        one(
            "onepassword:token: is a credential in plain text; remove it from the stack file and run: pulumi config set --secret onepassword:token <value>",
        ),
    ],
    [
        "a 1Password service account token in plain text",
        "apps",
        (s) => (s["onepassword:serviceAccountToken"] = "ops_abc"),
        one(
            "onepassword:serviceAccountToken: is a credential in plain text; remove it from the stack file and run: pulumi config set --secret onepassword:serviceAccountToken <value>",
        ),
    ],
    [
        "a foreign key and a bad value, the key first",
        "infra",
        (s) => {
            s["kubernetes:context"] = "admin@infra";
            at(pg(s), "storage").size = "0";
        },
        many(
            "kubernetes:context: is not read by this program: set platform:kubernetes.context instead",
            'platform:postgres.storage.size = "0": must be greater than zero',
        ),
    ],
    // Further mistakes across both stacks.
    [
        "a reserved PostgreSQL parameter",
        "infra",
        (s) => (pg(s).parameters = { max_connections: "500" }),
        one(
            'platform:postgres.parameters.max_connections = "500": set postgres.maxConnections instead (it is checked against the pooler budget)',
        ),
    ],
    [
        "a reserved role name",
        "infra",
        (s) => (tenant(s, 1).role = "pg_gitlab"),
        one('platform:tenants[1].role = "pg_gitlab": starts with pg_, which PostgreSQL reserves'),
    ],
    [
        "a PgBouncer parameter CNPG does not accept",
        "infra",
        (s) => (at(tenant(s, 1), "pooler", "parameters").auth_type = "md5"),
        one(
            'platform:tenants[1].pooler.parameters.auth_type = "md5": is not a PgBouncer parameter CloudNativePG accepts; allowed: application_name_add_host, autodb_idle_timeout, cancel_wait_timeout, client_idle_timeout, client_login_timeout, default_pool_size, disable_pqexec, dns_max_ttl, dns_nxdomain_ttl, idle_transaction_timeout, ignore_startup_parameters, listen_backlog, log_connections, log_disconnections, log_pooler_errors, log_stats, max_client_conn, max_db_connections, max_packet_size, max_prepared_statements, max_user_connections, min_pool_size, pkt_buf, query_timeout, query_wait_timeout, reserve_pool_size, reserve_pool_timeout, sbuf_loopcnt, server_check_delay, server_check_query, server_connect_timeout, server_fast_close, server_idle_timeout, server_lifetime, server_login_retry, server_reset_query, server_reset_query_always, server_round_robin, server_tls_ciphers, server_tls_protocols, stats_period, suspend_timeout, tcp_defer_accept, tcp_socket_buffer, tcp_keepalive, tcp_keepcnt, tcp_keepidle, tcp_keepintvl, tcp_user_timeout, track_extra_parameters, verbose',
        ),
    ],
    [
        "a connection limit of 0",
        "infra",
        (s) => (tenant(s, 1).connectionLimit = 0),
        one("platform:tenants[1].connectionLimit = 0: must be a whole number from 1 to 10000"),
    ],
    [
        "an image without a version tag",
        "infra",
        (s) => (pg(s).imageName = "ghcr.io/cloudnative-pg/postgresql"),
        one(
            'platform:postgres.imageName = "ghcr.io/cloudnative-pg/postgresql": needs an explicit PostgreSQL version tag (e.g. ":16.8"): CloudNativePG 1.26 defaults to PostgreSQL 17',
        ),
    ],
    [
        "a tenant name with capitals",
        "infra",
        (s) => (tenant(s, 1).name = "GitLab"),
        one(
            "platform:tenants[1].name = \"GitLab\": must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
        ),
    ],
    [
        "two tenants with one role",
        "infra",
        (s) => (tenant(s, 1).role = "harbor_app"),
        one(
            'platform:tenants[1].role = "harbor_app": is already used by tenants[0]; each tenant needs its own role',
        ),
    ],
    [
        "an unknown pool mode",
        "infra",
        (s) => (at(tenant(s, 1), "pooler").poolMode = "statement"),
        one(
            'platform:tenants[1].pooler.poolMode = "statement": must be one of: "session", "transaction"',
        ),
    ],
    [
        "an unknown podSecurity",
        "apps",
        (s) => (app(s, 0).podSecurity = "privileged"),
        one(
            'platform:applications[0].podSecurity = "privileged": must be "restricted" or "baseline" (the enforced level), or {enforce, warn, audit}; enforcing "privileged" is refused',
        ),
    ],
    [
        "two applications with one name",
        "apps",
        (s) => (app(s, 1).name = "gitlab"),
        many(
            'platform:applications[1].name = "gitlab": is already used by applications[0]; each application needs its own name',
            'platform:applications[1].namespace = "gitlab": is already used by applications[0]; each application needs its own namespace',
        ),
    ],
    [
        "an app with a tenant and a co-located cluster",
        "apps",
        (s) => (app(s, 1).tenant = "gitlab"),
        one(
            'platform:applications[1].postgres: cannot be combined with tenant "gitlab": an application uses either a shared tenant or a co-located cluster',
        ),
    ],
    [
        "a co-located PostgreSQL 17 image",
        "apps",
        (s) => (at(app(s, 1), "postgres").imageName = "ghcr.io/cloudnative-pg/postgresql:17.2"),
        one(
            'platform:applications[1].postgres.imageName = "ghcr.io/cloudnative-pg/postgresql:17.2": must be a PostgreSQL 16 image with its tag, such as "ghcr.io/cloudnative-pg/postgresql:16.8" (CloudNativePG 1.26 defaults to PostgreSQL 17)',
        ),
    ],
    [
        "a database without a tenant",
        "apps",
        (s) => (app(s, 1).database = "web"),
        one(
            "platform:applications[1].database = \"web\": needs tenant (it names one of the tenant's databases); a co-located cluster's database is postgres.database",
        ),
    ],
    [
        "an app in kube-system",
        "apps",
        (s) => (app(s, 0).namespace = "kube-system"),
        one(
            'platform:applications[0].namespace = "kube-system": is a system or operator namespace; give the application its own',
        ),
    ],
    [
        "an infraStack with spaces",
        "apps",
        (s) => (s["platform:infraStack"] = "my infra"),
        one(
            'platform:infraStack = "my infra": must be a stack name such as "organization/platform/infra"',
        ),
    ],
    [
        "applications on infra",
        "infra",
        (s) => (s["platform:applications"] = [{ name: "web" }]),
        one('platform:applications: are only built when role is "apps"'),
    ],
    [
        "Harbor without Dragonfly",
        "infra",
        (s) => delete s["platform:dragonfly"],
        one("platform:dragonfly: is required when platform:harbor is set (Harbor's Redis)"),
    ],
    [
        "a list where the postgres map belongs",
        "infra",
        (s) => (s["platform:postgres"] = [{ instances: 3 }]),
        one(
            'platform:postgres = [{"instances":3}]: must be a map of settings (key: value), not a list',
        ),
    ],
    [
        "a map where the tenants list belongs",
        "infra",
        (s) => (s["platform:tenants"] = { name: "gitlab" }),
        one(
            'platform:tenants = {"name":"gitlab"}: must be a list (one "- " entry per item), not a map',
        ),
    ],
    [
        "a string where the resources map belongs",
        "infra",
        (s) => (pg(s).resources = "2Gi"),
        one(
            'platform:postgres.resources = "2Gi": must be a map of settings (key: value), not a string',
        ),
    ],
    [
        "a YAML number where a name belongs",
        "infra",
        (s) => (tenant(s, 1).name = 42),
        one(
            'platform:tenants[1].name = 42: must be a string, not a number (quote it in YAML: "42")',
        ),
    ],
    [
        "200 tenants over maxConnections: the sum, then one line per role, largest first",
        "infra",
        (s) => {
            const list = s["platform:tenants"] as Obj[];
            for (let i = 0; i < 200; i++) {
                list.push({
                    name: `t${i}`,
                    role: `r${i}`,
                    connectionLimit: 10,
                    databases: [{ name: `d${i}` }],
                    pooler: { enabled: false },
                });
            }
        },
        one(
            [
                "platform:postgres.maxConnections = 400: is below what the tenants can use: 2150 role connectionLimits + 100 auth_query connections + 3 superuser_reserved_connections + 10 system headroom = 2263. Raise maxConnections to at least 2263 or lower the tenants' connectionLimit",
                "      per role, largest first: connectionLimit + auth_query connections (pooler instances × databases × (default_pool_size + reserve_pool_size): each instance runs auth_query on a pool of its own per database)",
                "      harbor_app  90 + 60 auth_query (2 instances × 1 database × (30 + 0)) = 150",
                "      gitlab_app  60 + 40 auth_query (2 instances × 1 database × (20 + 0)) = 100",
                ...Array.from(
                    { length: 200 },
                    (_, i) => `      ${`r${i}`.padEnd(10)}  10 + 0 auth_query (no pooler) = 10`,
                ),
            ].join("\n"),
        ),
    ],
    [
        "a kubeconfig as one line of JSON in plain text",
        "infra",
        (s) => (s["platform:kubeconfig"] = '{"apiVersion":"v1","clusters":[],"users":[]}'),
        one(
            'platform:kubeconfig: holds a kubeconfig with the cluster\'s credentials in plain text; remove it from the stack file and run: pulumi config set --secret platform:kubeconfig "$(cat <kubeconfig file>)"',
        ),
    ],
    // What stays allowed: each of these must be accepted.
    [
        "a kubeconfig path in plain text is fine",
        "infra",
        (s) => (s["platform:kubeconfig"] = "/home/users/ops/.kube/infra"),
        "",
    ],
    [
        "a kubeconfig set with --secret is fine",
        "infra",
        (s) => (s["platform:kubeconfig"] = { secure: "v1:abc" }),
        "",
    ],
    [
        "a 1Password token set with --secret is fine",
        "infra",
        (s) => (s["onepassword:token"] = { secure: "v1:abc" }),
        "",
    ],
    [
        "onepassword:url in plain text is fine",
        "apps",
        (s) => (s["onepassword:url"] = "http://op-connect:8080"),
        "",
    ],
    [
        "an IPv6 range is fine",
        "infra",
        (s) => (at(pg(s), "adminService").sourceRanges = ["fd00:10:25::/64"]),
        "",
    ],
    [
        "apiUrl with /api/v2.0 is fine",
        "infra",
        (s) => (at(s, "platform:harborProjects").apiUrl = "https://harbor.example.org/api/v2.0"),
        "",
    ],
];

/** Infra outputs matching the apps fixture (what `pulumi up` on the infra fixture exports). */
const INFRA_OUTPUTS = {
    tenants: {
        gitlab: {
            host: "gitlab-pooler.cnpg-system.svc",
            port: 5432,
            role: "gitlab_app",
            databases: ["gitlabhq_production"],
            password: "pw",
            global: true,
            service: "gitlab-pooler",
            namespace: "cnpg-system",
            sslmode: "require",
        },
    },
    harborProjects: {
        projects: ["alpha", "beta"],
        robotItems: { "alpha/alpha-puller": "harbor-robot-alpha" },
    },
};

/** The apps fixture checked against infra outputs, as the apps stack does once it has read them. */
type InfraRow = [title: string, edit: (apps: Settings, infra: Obj) => void, error: string];

const INFRA_ROWS: InfraRow[] = [
    [
        "an app on a Harbor project the infra stack does not manage",
        (s) => (app(s, 1).harborProject = "gamma"),
        one(
            'platform:applications[1].harborProject = "gamma": is not a Harbor project of the infra stack "organization/platform/infra"; its projects: alpha, beta (add it to platform:harborProjects on infra)',
        ),
    ],
    [
        "an app on a Harbor project for which the infra outputs list no robot item",
        (s) => (app(s, 1).harborProject = "beta"),
        one(
            'platform:applications[1].harborProject = "beta": has no robot item in the outputs of the infra stack "organization/platform/infra", so nothing can pull its images; give the project a robot with "pull" in platform:harborProjects on infra and run pulumi up there first',
        ),
    ],
    [
        "a tenant without a global pooler",
        (_, infra) => (at(infra, "tenants", "gitlab").global = false),
        one(
            'platform:applications[0].tenant = "gitlab": has no ClusterMesh global pooler in the infra stack "organization/platform/infra"; set pooler.enabled and pooler.global: true for tenant "gitlab" in its platform:tenants and run pulumi up on infra first',
        ),
    ],
];

describe("config errors (one clear message per mistake)", () => {
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    for (const stack of ["infra", "apps"] as const) {
        it(`accepts the spec's own ${stack} fixture`, () => {
            assert.equal(errorFor(edited(stack, () => undefined)), "");
        });
    }

    // The program (index.ts) runs the same checks on pulumi.runtime.allConfig(), asking the engine
    // which keys are secret: runtime/config.js isConfigSecret of @pulumi/pulumi 3.270.0 reads the
    // secret keys the engine passes with the config.
    it("the program asks the engine which config keys are secret", () => {
        const kubeconfig = "apiVersion: v1\nclusters: []\n";
        const config = { ...loadStackConfig(PROJECT_FILE, FIXTURE_FILE("infra")).config };
        config["platform:kubeconfig"] = kubeconfig;
        const saved = pulumi.runtime.allConfig();
        try {
            pulumi.runtime.setAllConfig(config, ["platform:kubeconfig"]);
            assert.equal(engineIsSecret("platform:kubeconfig"), true);
            parseStackConfig(pulumi.runtime.allConfig(), engineIsSecret);
            pulumi.runtime.setAllConfig(config, []);
            assert.equal(engineIsSecret("platform:kubeconfig"), false);
            assert.throws(
                () => parseStackConfig(pulumi.runtime.allConfig(), engineIsSecret),
                /platform:kubeconfig: holds a kubeconfig .* pulumi config set --secret platform:kubeconfig/,
            );
        } finally {
            pulumi.runtime.setAllConfig(saved, []);
        }
    });

    it("accepts the apps fixture against the infra outputs", () => {
        const { config } = loadStackConfig(PROJECT_FILE, FIXTURE_FILE("apps"));
        const cfg = parseStackConfig(config, () => false);
        assert.doesNotThrow(() => checkAgainstInfra(cfg, parseInfraOutputs(INFRA_OUTPUTS)));
    });

    for (const [title, edit, error] of INFRA_ROWS) {
        it(`apps against the infra outputs: ${title}`, () => {
            const settings = structuredClone(fixture("apps"));
            const infra = structuredClone(INFRA_OUTPUTS) as Obj;
            edit(settings, infra);
            fs.writeFileSync(FILE, YAML.stringify({ config: settings }));
            const { config } = loadStackConfig(PROJECT_FILE, FILE);
            const cfg = parseStackConfig(config, () => false);
            assert.throws(
                () => checkAgainstInfra(cfg, parseInfraOutputs(infra)),
                (e: unknown) => e instanceof ConfigError && e.message === error,
            );
        });
    }

    for (const [title, stack, input, error] of ROWS) {
        it(`${stack}: ${title}`, () => {
            const text = typeof input === "string" ? input : edited(stack, input);
            assert.equal(errorFor(text).replaceAll(FILE, "<file>"), error);
        });
    }
});
