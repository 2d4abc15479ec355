/** What a new generated secret reaches: restarts, reloads and the apps stack. */
import { refOf, reverseDeps, type Change, type Row, type StackDiff } from "./model";
import { code, what } from "./text";

/** What a rotated password reaches (two steps along the dependencies) and what that means. */
export function rotationNotes(c: Change, d: StackDiff, all: StackDiff[]): string[] {
    const head = d.head;
    if (!head || !c.head) return [];
    const dependents = reverseDeps(head.rows);
    const changed = new Map(d.changes.map((x) => [x.ref, x]));
    const direct = dependents.get(c.ref) ?? [];
    const second = direct.flatMap((r) =>
        r.type === "kubernetes:core/v1:Secret" ? (dependents.get(refOf(r)) ?? []) : [],
    );
    const restarts: string[] = [];
    const stays: string[] = [];
    // CNPG reloads a labelled Secret only when a Cluster of its namespace refers to it.
    const usedByCluster = (secret: Row) => {
        const meta = (secret.inputs.metadata ?? {}) as Record<string, unknown>;
        return head.rows.some(
            (r) =>
                r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster" &&
                (r.inputs.metadata as Record<string, unknown> | undefined)?.namespace ===
                    meta.namespace &&
                JSON.stringify(r.inputs.spec ?? {}).includes(`"name":${JSON.stringify(meta.name)}`),
        );
    };
    for (const r of direct) {
        const labels = ((r.inputs.metadata as Record<string, unknown> | undefined)?.labels ??
            {}) as Record<string, unknown>;
        if (r.type === "postgresql:index/role:Role") {
            stays.push(
                `${what(r)}: new password set in place (ALTER ROLE); open sessions stay, the poolers' auth_query reads it on the next login`,
            );
        } else if (
            r.type === "kubernetes:core/v1:Secret" &&
            labels["cnpg.io/reload"] === "true" &&
            usedByCluster(r)
        ) {
            stays.push(`${what(r)}: updated; CNPG reloads it (\`cnpg.io/reload\`), no restart`);
        } else if (r.type === "kubernetes:core/v1:Secret") {
            stays.push(
                `${what(r)}: updated; pods that read it keep the old value until they restart`,
            );
        } else if (r.type === "onepassword:index/item:Item") {
            stays.push(`${what(r)}: 1Password item updated`);
        } else if (r.type === "kubernetes:helm.sh/v3:Release") {
            restarts.push(
                `${what(r)}: Helm upgrade with the new value; pods whose templates change roll`,
            );
        } else {
            restarts.push(`${what(r)}: updated with the new value`);
        }
    }
    for (const r of second) {
        const x = changed.get(refOf(r));
        if (x && x.op !== "create") restarts.push(`${what(r)}: its spec changes too, so it rolls`);
        else if (!x)
            stays.push(`${what(r)}: not restarted by this change (reads the Secret at start)`);
    }
    const notes = [
        ...restarts.map((s) => `restarts: ${s}`),
        ...stays.map((s) => `does not restart: ${s}`),
    ];
    // A global tenant's password reaches the apps cluster through the infra stack's outputs.
    const tenant = c.head.parent?.startsWith("platform:postgres:Tenant::")
        ? c.head.parent.slice("platform:postgres:Tenant::".length)
        : undefined;
    const tenants = (head.outputs.tenants ?? {}) as Record<string, Record<string, unknown>>;
    if (tenant && tenants[tenant]?.global === true) {
        const appSecrets = all
            .filter((s) => s !== d)
            .flatMap((s) => s.head?.rows ?? [])
            .filter(
                (r) =>
                    r.type === "kubernetes:core/v1:Secret" &&
                    (
                        (r.inputs.metadata as Record<string, unknown> | undefined)?.labels as
                            Record<string, unknown> | undefined
                    )?.["platform.monosense.io/tenant"] === tenant,
            )
            .map(what);
        notes.push(
            `global tenant ${code(tenant)}: the apps stack needs a \`pulumi up\` too, after this one: its connection Secrets${appSecrets.length ? ` (${appSecrets.join(", ")})` : ""} carry the password from the infra stack's outputs, and the apps' pods read them at start (restart them afterwards)`,
        );
    }
    return notes;
}
