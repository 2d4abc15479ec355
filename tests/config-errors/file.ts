/** The stack file itself: YAML that does not parse, no "config:" map, a misspelt namespace. */
import { many, type Row } from "./rows";

export const FILE_ROWS: Row[] = [
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
        '<file>:1:1: has no "config:" key; the stack\'s settings go under "config:" (found: platform:role, platform:tenants)',
    ],
    [
        "a list where the file's map belongs",
        "infra",
        "- platform:role: infra\n",
        '<file>:1:1: must be a map with a "config:" key holding the stack\'s settings, but is a list',
    ],
    [
        "a list where config: belongs",
        "infra",
        "config:\n  - platform:role: infra\n",
        '<file>:2:3: "config:" must be a map of "platform:<key>: <value>" settings, but is a list',
    ],
    [
        "a misspelt namespace",
        "infra",
        (s) => {
            s["platfrom:tenants"] = s["platform:tenants"];
            delete s["platform:tenants"];
        },
        many(
            '<file>:51:3: platfrom:tenants: is in the unknown namespace "platfrom"; did you mean platform:tenants?',
            '<file>:1:1: platform:tenants: need a tenant named "harbor" when platform:harbor is set (Harbor\'s database, role and pooler)',
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
            '<file>:25:3: plaform:role: is in the unknown namespace "plaform"; did you mean platform:role?',
            '<file>:1:1: platform:role: is required: one of "infra", "apps"',
        ),
    ],
];
