/** The apps fixture checked against infra outputs, as the apps stack does once it has read them. */
import { app, at, one, type Obj, type Settings } from "./rows";

/** Infra outputs matching the apps fixture (what `pulumi up` on the infra fixture exports). */
export const INFRA_OUTPUTS = {
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

export type InfraRow = [title: string, edit: (apps: Settings, infra: Obj) => void, error: string];

export const INFRA_ROWS: InfraRow[] = [
    [
        "an app on a Harbor project the infra stack does not manage",
        (s) => (app(s, 1).harborProject = "gamma"),
        one(
            '<file>:15:7: platform:applications[1] (web).harborProject = "gamma": is not a Harbor project of the infra stack "organization/platform/infra"; its projects: alpha, beta (add it to platform:harborProjects on infra)',
        ),
    ],
    [
        "an app on a Harbor project for which the infra outputs list no robot item",
        (s) => (app(s, 1).harborProject = "beta"),
        one(
            '<file>:15:7: platform:applications[1] (web).harborProject = "beta": has no robot item in the outputs of the infra stack "organization/platform/infra", so nothing can pull its images; give the project a robot with "pull" in platform:harborProjects on infra and run pulumi up there first',
        ),
    ],
    [
        "a tenant without a global pooler",
        (_, infra) => (at(infra, "tenants", "gitlab").global = false),
        one(
            '<file>:13:7: platform:applications[0] (gitlab).tenant = "gitlab": has no ClusterMesh global pooler in the infra stack "organization/platform/infra"; set pooler.enabled and pooler.global: true for tenant "gitlab" in its platform:tenants and run pulumi up on infra first',
        ),
    ],
];
