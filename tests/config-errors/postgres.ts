/**
 * The shared cluster and its tenants: reserved parameters and names, PgBouncer parameters, limits,
 * images.
 */
import { one, at, pg, tenant, type Row } from "./rows";

export const POSTGRES_ROWS: Row[] = [
    [
        "a reserved PostgreSQL parameter",
        "infra",
        (s) => (pg(s).parameters = { max_connections: "500" }),
        one(
            '<file>:24:7: platform:postgres.parameters.max_connections = "500": set postgres.maxConnections instead (it is checked against the pooler budget)',
        ),
    ],
    [
        "a reserved role name",
        "infra",
        (s) => (tenant(s, 1).role = "pg_gitlab"),
        one(
            '<file>:34:7: platform:tenants[1] (gitlab).role = "pg_gitlab": starts with pg_, which PostgreSQL reserves',
        ),
    ],
    [
        "a PgBouncer parameter CNPG does not accept",
        "infra",
        (s) => (at(tenant(s, 1), "pooler", "parameters").auth_type = "md5"),
        one(
            '<file>:43:11: platform:tenants[1] (gitlab).pooler.parameters.auth_type = "md5": is not a PgBouncer parameter CloudNativePG accepts; allowed: application_name_add_host, autodb_idle_timeout, cancel_wait_timeout, client_idle_timeout, client_login_timeout, default_pool_size, disable_pqexec, dns_max_ttl, dns_nxdomain_ttl, idle_transaction_timeout, ignore_startup_parameters, listen_backlog, log_connections, log_disconnections, log_pooler_errors, log_stats, max_client_conn, max_db_connections, max_packet_size, max_prepared_statements, max_user_connections, min_pool_size, pkt_buf, query_timeout, query_wait_timeout, reserve_pool_size, reserve_pool_timeout, sbuf_loopcnt, server_check_delay, server_check_query, server_connect_timeout, server_fast_close, server_idle_timeout, server_lifetime, server_login_retry, server_reset_query, server_reset_query_always, server_round_robin, server_tls_ciphers, server_tls_protocols, stats_period, suspend_timeout, tcp_defer_accept, tcp_socket_buffer, tcp_keepalive, tcp_keepcnt, tcp_keepidle, tcp_keepintvl, tcp_user_timeout, track_extra_parameters, verbose',
        ),
    ],
    [
        "a connection limit of 0",
        "infra",
        (s) => (tenant(s, 1).connectionLimit = 0),
        one(
            "<file>:35:7: platform:tenants[1] (gitlab).connectionLimit = 0: must be a whole number from 1 to 10000",
        ),
    ],
    [
        "an image without a version tag",
        "infra",
        (s) => (pg(s).imageName = "ghcr.io/cloudnative-pg/postgresql"),
        one(
            '<file>:6:5: platform:postgres.imageName = "ghcr.io/cloudnative-pg/postgresql": needs an explicit PostgreSQL version tag (e.g. ":16.15-system-trixie"): CloudNativePG 1.30 defaults to PostgreSQL 18',
        ),
    ],
    [
        "a tenant name with capitals",
        "infra",
        (s) => (tenant(s, 1).name = "GitLab"),
        one(
            "<file>:33:7: platform:tenants[1] (GitLab).name = \"GitLab\": must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
        ),
    ],
    [
        "two tenants with one role",
        "infra",
        (s) => (tenant(s, 1).role = "harbor_app"),
        one(
            '<file>:34:7: platform:tenants[1] (gitlab).role = "harbor_app": is already used by tenants[0]; each tenant needs its own role',
        ),
    ],
    [
        "an unknown pool mode",
        "infra",
        (s) => (at(tenant(s, 1), "pooler").poolMode = "statement"),
        one(
            '<file>:43:9: platform:tenants[1] (gitlab).pooler.poolMode = "statement": must be one of: "session", "transaction"',
        ),
    ],
];
