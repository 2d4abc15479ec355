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
        "200 tenants over maxConnections: one readable line",
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
            "platform:postgres.maxConnections = 400: is below what the tenants can use: role limits (90 harbor_app + 60 gitlab_app + 10 r0 + 10 r1 + 1980 for the other 198 roles) = 2150, + 100 auth_query connections (pooler instances × databases × (default_pool_size + reserve_pool_size): each instance runs auth_query on a pool of its own per database), + 3 superuser_reserved_connections + 10 system headroom = 2263. Raise maxConnections to at least 2263 or lower the tenants' connectionLimit",
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
];
