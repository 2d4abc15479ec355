/** Harbor URLs and projects (infra), and the apps' Harbor hostname. */
import { one, at, harbor, projects, type Row, type Obj } from "./rows";

export const HARBOR_ROWS: Row[] = [
    [
        "a hostname with a comma",
        "infra",
        (s) => (harbor(s).externalURL = "https://harbor,example.org"),
        one(
            '<file>:56:5: platform:harbor.externalURL = "https://harbor,example.org": must have a hostname of letters, digits, "." and "-" only, such as "https://harbor.monosense.io"',
        ),
    ],
    [
        "externalURL over http",
        "infra",
        (s) => (harbor(s).externalURL = "http://harbor.example.org"),
        one(
            '<file>:56:5: platform:harbor.externalURL = "http://harbor.example.org": must be an https:// URL such as "https://harbor.monosense.io"',
        ),
    ],
    [
        "externalURL with a path",
        "infra",
        (s) => (harbor(s).externalURL = "https://harbor.example.org/harbor"),
        one(
            '<file>:56:5: platform:harbor.externalURL = "https://harbor.example.org/harbor": must be scheme and host only, such as "https://harbor.monosense.io" (no path)',
        ),
    ],
    [
        "apiUrl without /api/v2.0",
        "infra",
        (s) => (at(s, "platform:harborProjects").apiUrl = "https://harbor.example.org"),
        one(
            '<file>:74:5: platform:harborProjects.apiUrl = "https://harbor.example.org": must be Harbor\'s API base: scheme, host and /api/v2.0, such as "https://harbor.monosense.io/api/v2.0"',
        ),
    ],
    [
        "apiUrl that is no URL",
        "infra",
        (s) => (at(s, "platform:harborProjects").apiUrl = "harbor.example.org/api/v2.0"),
        one(
            '<file>:74:5: platform:harborProjects.apiUrl = "harbor.example.org/api/v2.0": must be an http(s) URL ending in /api/v2.0, such as "https://harbor.monosense.io/api/v2.0"',
        ),
    ],
    [
        "a private project without a robot",
        "infra",
        (s) => (projects(s)[1]!.public = false),
        one(
            '<file>:72:9: platform:harborProjects.projects[1] (beta).robots = []: must list at least one robot for a private project (public: false), or nothing can pull from it; add e.g. { name: "pull", permissions: ["pull"] }',
        ),
    ],
    [
        "a project name with capitals, at its index",
        "infra",
        (s) => (projects(s)[1]!.name = "Beta"),
        one(
            "<file>:72:9: platform:harborProjects.projects[1] (Beta).name = \"Beta\": must be a Harbor name: lowercase letters and digits, with single '.', '_' or '-' between them",
        ),
    ],
    [
        "a project declared twice",
        "infra",
        (s) => (projects(s)[1]!.name = "alpha"),
        one(
            '<file>:72:9: platform:harborProjects.projects[1] (alpha).name = "alpha": is already used by harborProjects.projects[0]; each project is declared once',
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
            '<file>:72:13: platform:harborProjects.projects[0] (alpha).robots[1] (alpha-puller).name = "alpha-puller": is already used by robots[0] of this project',
        ),
    ],
    [
        "a robot without permissions",
        "infra",
        (s) => ((projects(s)[0]!.robots as Obj[])[0]!.permissions = []),
        one(
            "<file>:70:13: platform:harborProjects.projects[0] (alpha).robots[0] (alpha-puller).permissions = []: must grant at least one permission",
        ),
    ],
    [
        "storageQuotaGiB 0",
        "infra",
        (s) => (projects(s)[0]!.storageQuotaGiB = 0),
        one(
            "<file>:72:9: platform:harborProjects.projects[0] (alpha).storageQuotaGiB = 0: must be a whole number of GiB greater than 0 (omit it for unlimited)",
        ),
    ],
    [
        "apiWaitSeconds below 0",
        "infra",
        (s) => (at(s, "platform:harborProjects").apiWaitSeconds = -1),
        one(
            "<file>:74:5: platform:harborProjects.apiWaitSeconds = -1: must be a number of at least 0",
        ),
    ],
    [
        "the apps' harborHostname with a comma",
        "apps",
        (s) => (s["platform:harborHostname"] = "harbor,example.org"),
        one(
            '<file>:26:3: platform:harborHostname = "harbor,example.org": must be a hostname such as "harbor.monosense.io"',
        ),
    ],
];
