/**
 * What a stack as a whole needs, values of the wrong YAML type, the budget at 200 tenants, a
 * kubeconfig as JSON.
 */
import { one, pg, tenant, type Row, type Obj } from "./rows";

export const STACK_ROWS: Row[] = [
    [
        "applications on infra",
        "infra",
        (s) => (s["platform:applications"] = [{ name: "web" }]),
        one('<file>:74:3: platform:applications: are only built when role is "apps"'),
    ],
    [
        "Harbor without Dragonfly",
        "infra",
        (s) => delete s["platform:dragonfly"],
        one(
            "<file>:1:1: platform:dragonfly: is required when platform:harbor is set (Harbor's Redis)",
        ),
    ],
    [
        "a list where the postgres map belongs",
        "infra",
        (s) => (s["platform:postgres"] = [{ instances: 3 }]),
        one(
            '<file>:5:3: platform:postgres = [{"instances":3}]: must be a map of settings (key: value), not a list',
        ),
    ],
    [
        "a map where the tenants list belongs",
        "infra",
        (s) => (s["platform:tenants"] = { name: "gitlab" }),
        one(
            '<file>:23:3: platform:tenants = {"name":"gitlab"}: must be a list (one "- " entry per item), not a map',
        ),
    ],
    [
        "a string where the resources map belongs",
        "infra",
        (s) => (pg(s).resources = "2Gi"),
        one(
            '<file>:9:5: platform:postgres.resources = "2Gi": must be a map of settings (key: value), not a string',
        ),
    ],
    [
        "a YAML number where a name belongs",
        "infra",
        (s) => (tenant(s, 1).name = 42),
        one(
            '<file>:33:7: platform:tenants[1].name = 42: must be a string, not a number (quote it in YAML: "42")',
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
                "<file>:16:5: platform:postgres.maxConnections = 400: is below what the tenants can use: 2150 role connectionLimits + 100 auth_query connections + 3 superuser_reserved_connections + 10 system headroom = 2263. Raise maxConnections to at least 2263 or lower the tenants' connectionLimit",
                "      per role, largest first: connectionLimit + auth_query connections (pooler instances × (default_pool_size + reserve_pool_size): each instance runs auth_query on one pool of its own, in the postgres database)",
                "      harbor_app  90 + 60 auth_query (2 instances × (30 + 0)) = 150",
                "      gitlab_app  60 + 40 auth_query (2 instances × (20 + 0)) = 100",
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
            '<file>:74:3: platform:kubeconfig: holds a kubeconfig with the cluster\'s credentials in plain text; remove it from the stack file and run: pulumi config set --secret platform:kubeconfig "$(cat <kubeconfig file>)"',
        ),
    ],
];
