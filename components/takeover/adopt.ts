/**
 * Config-driven adoption (`platform:takeover`), applied to every resource of the stack by one
 * stack transformation, so that the components build exactly what they build from nothing and
 * adoption cannot drift from creation:
 *
 * - **Kubernetes objects** get the `import` option (`<namespace>/<name>`, or `<name>` when
 *   cluster-scoped) and the annotation `pulumi.com/patchForce: "true"`. Chosen over the provider's
 *   `upsertExistingObjects` (pulumi-kubernetes provider/pkg/await/await.go: a create becomes a
 *   server-side-apply patch, invisible as an adoption in preview and in state, and the provider
 *   documents it as the cause of rename deletions) and over `enablePatchForce` (forces every
 *   object of the stack, not only adopted ones). After the import the update is a server-side
 *   apply with Pulumi's field manager; `patchForce` (await.go `patchForce`) makes it take the
 *   fields Flux's `kustomize-controller` owns instead of failing with a field-manager conflict.
 *   Fields the program does not set stay with their old manager: `Cluster.spec.managed.roles` is
 *   removed by a plan step, not by the program.
 * - **Helm releases** are imported by `<namespace>/<name>` (helm_release.go `Read`: an import
 *   hydrates the inputs from the release's stored revision); the next step is a `helm upgrade` of
 *   the same release, never an install (so no "cannot re-use a name"). Upgrade hooks run, install
 *   hooks do not; pods restart only where the rendered pod templates change.
 * - **SQL roles and databases** are imported by name, **extensions** by `<database>.<extension>`
 *   (cyrilgdn/terraform-provider-postgresql at ff936b95, the commit @pulumi/postgresql 3.18.1
 *   pins: passthrough importers; `CREATE EXTENSION IF NOT EXISTS`). Grants have no importer and
 *   apply idempotently (`REVOKE`/`GRANT`).
 * - **1Password items** are imported by `vaults/<uuid>/items/<uuid>`.
 *
 * Every adopted resource gets `retainOnDelete`: removing it from the program, or a replacement,
 * never deletes the live object. A replacement of an adopted resource also fails the update: the
 * engine refuses to replace a resource that still specifies an import id
 * (step_generator.go: "previously-imported resources that still specify an ID may not be
 * replaced"), and a preview warns with that text. Needs Pulumi CLI >= MIN_PULUMI_CLI.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as onepassword from "@1password/pulumi-onepassword";
import type * as k8s from "@pulumi/kubernetes";
import {
    isEmptyTakeover,
    type AdoptedSecret,
    type ColocatedImport,
    type TakeoverConfig,
} from "./config";

interface TakeoverContext {
    cfg: TakeoverConfig;
    vault: pulumi.Input<string>;
    opProvider: onepassword.Provider;
    k8sProvider?: k8s.Provider;
}

let current: TakeoverContext | undefined;

/** The import id and `<kind>` of a Kubernetes object's inputs, when plain. */
function kubernetesRef(props: Record<string, unknown>): { kind: string; id: string } | undefined {
    const kind = props.kind;
    const meta = props.metadata as Record<string, unknown> | undefined;
    if (typeof kind !== "string" || !meta || typeof meta.name !== "string") return undefined;
    const id = typeof meta.namespace === "string" ? `${meta.namespace}/${meta.name}` : meta.name;
    return { kind, id };
}

/** The import id for a resource of `type` with `props` (and resource `name`), if taken over. */
export function importIdFor(
    cfg: TakeoverConfig,
    type: string,
    name: string,
    props: Record<string, unknown>,
): string | undefined {
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    switch (type) {
        case "kubernetes:helm.sh/v3:Release": {
            const id = `${str(props.namespace) ?? ""}/${str(props.name) ?? ""}`;
            return cfg.helm.includes(id) ? id : undefined;
        }
        case "postgresql:index/role:Role": {
            const role = str(props.name);
            return role && cfg.postgres.roles.includes(role) ? role : undefined;
        }
        case "postgresql:index/database:Database": {
            const db = str(props.name);
            return db && cfg.postgres.databases.includes(db) ? db : undefined;
        }
        case "postgresql:index/extension:Extension": {
            // The database input is the Database's output; the resource is named <database>-<ext>.
            const ext = str(props.name);
            return cfg.postgres.extensions.find((id) => {
                const [db, e] = [id.slice(0, id.indexOf(".")), id.slice(id.indexOf(".") + 1)];
                return e === ext && name === `${db}-${e}`;
            });
        }
        case "onepassword:index/item:Item": {
            const title = str(props.title);
            return title ? cfg.onepassword[title] : undefined;
        }
        default: {
            if (!type.startsWith("kubernetes:") || type.startsWith("pulumi:providers:")) {
                return undefined;
            }
            const ref = kubernetesRef(props);
            return ref && (cfg.kubernetes[ref.kind] ?? []).includes(ref.id) ? ref.id : undefined;
        }
    }
}

function withPatchForce(props: Record<string, unknown>): Record<string, unknown> {
    const meta = (props.metadata ?? {}) as Record<string, unknown>;
    const annotations = (meta.annotations ?? {}) as Record<string, unknown>;
    return {
        ...props,
        metadata: { ...meta, annotations: { ...annotations, "pulumi.com/patchForce": "true" } },
    };
}

/** The externalClusters entry name of an import source. */
export const IMPORT_SOURCE = "takeover-import-source";

/**
 * A co-located Cluster's spec with `bootstrap.initdb.import` from `source`: CNPG copies the
 * database (pg_dump/pg_restore) while it creates the cluster, so it never starts empty. Only the
 * creation reads `bootstrap`; a later change of it is accepted and ignored (cloudnative-pg
 * v1.26.1 `validateClusterChanges` checks no bootstrap field).
 */
export function withImport(spec: Record<string, unknown>, source: ColocatedImport) {
    const bootstrap = (spec.bootstrap ?? {}) as Record<string, unknown>;
    const initdb = (bootstrap.initdb ?? {}) as Record<string, unknown>;
    const external = (spec.externalClusters ?? []) as unknown[];
    return {
        ...spec,
        bootstrap: {
            ...bootstrap,
            initdb: {
                ...initdb,
                import: {
                    type: "microservice",
                    databases: [source.database],
                    source: { externalCluster: IMPORT_SOURCE },
                },
            },
        },
        externalClusters: [
            ...external,
            {
                name: IMPORT_SOURCE,
                connectionParameters: {
                    host: source.host,
                    port: String(source.port),
                    user: source.user,
                    dbname: source.database,
                    sslmode: source.sslmode,
                },
                password: source.passwordSecret,
            },
        ],
    };
}

/**
 * Turns adoption on for this run: every resource registered afterwards that `platform:takeover`
 * lists is imported (and retained). A no-op when nothing is taken over, so such a stack
 * registers exactly what it did before.
 */
export function enableTakeover(
    cfg: TakeoverConfig | undefined,
    vault: pulumi.Input<string>,
    opProvider: onepassword.Provider,
    k8sProvider?: k8s.Provider,
): void {
    current = undefined;
    if (!cfg || isEmptyTakeover(cfg)) return;
    current = { cfg, vault, opProvider, k8sProvider };
    // A stack transformation (not a transform) runs in-process, so the mock runtime applies it too.
    pulumi.runtime.registerStackTransformation((args) => {
        const props = args.props as Record<string, unknown>;
        const id = importIdFor(cfg, args.type, args.name, props);
        if (id === undefined) {
            const ref = kubernetesRef(props);
            const source =
                args.type === "kubernetes:postgresql.cnpg.io/v1:Cluster" && ref
                    ? cfg.colocatedImports[ref.id]
                    : undefined;
            if (!source) return undefined;
            const spec = (props.spec ?? {}) as Record<string, unknown>;
            return { props: { ...props, spec: withImport(spec, source) }, opts: args.opts };
        }
        const isKubernetesObject =
            args.type.startsWith("kubernetes:") && args.type !== "kubernetes:helm.sh/v3:Release";
        return {
            props: isKubernetesObject ? withPatchForce(props) : props,
            opts: pulumi.mergeOptions(args.opts, { import: id, retainOnDelete: true }),
        };
    });
}

/**
 * Marks a generated secret whose value in use was taken over (`platform:takeover.secrets`), as a
 * protected component `<name>-value-in-use` registered on every run while the entry exists:
 * - entry present, rotation unchanged: protected; the value is read as it is.
 * - entry present, the owner's rotation changed on purpose: registered unprotected, so the
 *   engine drops the protection and the new password is generated.
 * - entry removed from the config: the marker is no longer registered, and the engine refuses to
 *   delete a protected resource, in preview as in update (pulumi/pulumi v3.259.0
 *   pkg/resource/deploy/step.go `DeleteStep.Apply`: "cannot be deleted because it is protected",
 *   checked before the dry-run branch), so `pulumi preview`, and the preview `pulumi up` runs
 *   first, stop instead of silently generating a new value.
 */
export class ValueInUse extends pulumi.ComponentResource {
    constructor(name: string, protect: boolean, parent: pulumi.Resource) {
        super("platform:takeover:ValueInUse", `${name}-value-in-use`, {}, { parent, protect });
        this.registerOutputs({});
    }
}

/** The takeover entry of generated secret `name`, whatever its rotation. */
export function takenOverSecret(name: string): AdoptedSecret | undefined {
    return current?.cfg.secrets[name];
}

/**
 * The existing secret to use instead of generating `name`, while its owner's rotation setting
 * still equals the one recorded at takeover.
 */
export function adoptedSecret(
    name: string,
    rotation: string | undefined,
):
    | (AdoptedSecret & {
          vault: pulumi.Input<string>;
          opProvider: onepassword.Provider;
          k8sProvider?: k8s.Provider;
      })
    | undefined {
    const entry = current?.cfg.secrets[name];
    if (!current || !entry || entry.rotation !== rotation) return undefined;
    return {
        ...entry,
        vault: current.vault,
        opProvider: current.opProvider,
        k8sProvider: current.k8sProvider,
    };
}
