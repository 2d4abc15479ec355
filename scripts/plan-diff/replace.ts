/** What Pulumi replaces: the rules, read from the providers' sources, and their use. */
import type { ValueChange } from "./model";

/**
 * Properties whose change makes Pulumi replace a resource (delete and create, or create and
 * delete), by type. A path matches a rule when it is the rule or lies below it. Sources:
 * - Helm releases: `forceNewFields := []string{".name", ".namespace"}` in pulumi-kubernetes
 *   provider/pkg/provider/helm_release.go (Diff).
 * - Kubernetes objects: a new `metadata.name` or `metadata.namespace` is another object (the
 *   provider replaces). Fields the API server holds immutable (a Secret's `type`, a PVC's
 *   storage class) make the provider replace too; they are not modelled here, the live
 *   preview shows them.
 * - PostgreSQL (cyrilgdn/terraform-provider-postgresql v1.26.0, postgresql/resource_postgresql_*.go):
 *   a Database's template, encoding, lc_collate, lc_ctype are ForceNew, its `name` is renamed in
 *   place (ALTER DATABASE … RENAME TO); a Role has no ForceNew field, its `name` is renamed in
 *   place (ALTER ROLE … RENAME TO); a Grant's role, database, schema, object_type, objects,
 *   columns and with_grant_option are ForceNew, `privileges` is updated; an Extension's name and
 *   database are ForceNew.
 * - random (hashicorp/terraform-provider-random v3.9.0, internal/provider/resource_password.go
 *   and siblings): every argument, `keepers` and `length` included, RequiresReplace.
 * - tls: every argument of a private key and a self-signed certificate forces a new one.
 * - Harbor's dynamic providers (components/harbor-api/providers.ts, their `diff`): a project's
 *   name; a robot's project and name; a retention policy's project.
 */
export const REPLACE_RULES: { match: (type: string) => boolean; paths: string[] | "all" }[] = [
    { match: (t) => t === "kubernetes:helm.sh/v3:Release", paths: ["name", "namespace"] },
    {
        match: (t) => t.startsWith("kubernetes:") && !t.startsWith("kubernetes:helm.sh/"),
        paths: ["metadata.name", "metadata.namespace"],
    },
    {
        match: (t) => t === "postgresql:index/database:Database",
        paths: ["template", "encoding", "lcCollate", "lcCtype"],
    },
    {
        match: (t) => t === "postgresql:index/grant:Grant",
        paths: [
            "role",
            "database",
            "schema",
            "objectType",
            "objects",
            "columns",
            "withGrantOption",
        ],
    },
    { match: (t) => t === "postgresql:index/extension:Extension", paths: ["name", "database"] },
    { match: (t) => t.startsWith("random:") || t.startsWith("tls:"), paths: "all" },
    { match: (t) => t === "pulumi-nodejs:dynamic/harbor:Project", paths: ["name"] },
    { match: (t) => t === "pulumi-nodejs:dynamic/harbor:Robot", paths: ["project", "name"] },
    { match: (t) => t === "pulumi-nodejs:dynamic/harbor:RetentionPolicy", paths: ["project"] },
];

/** `p` is the rule's path or lies below it. */
export const under = (p: string, rule: string) =>
    p === rule || p.startsWith(`${rule}.`) || p.startsWith(`${rule}[`);

/** The changed input paths that make Pulumi replace a resource of `type`. */
export function replaceReasons(type: string, changes: ValueChange[]): string[] {
    const reasons = new Set<string>();
    for (const rule of REPLACE_RULES.filter((r) => r.match(type))) {
        for (const c of changes) {
            if (rule.paths === "all" || rule.paths.some((p) => under(c.path, p))) {
                reasons.add(c.path);
            }
        }
    }
    return [...reasons].sort();
}
