/**
 * Names both stacks must spell the same way: the 1Password items the infra stack writes and the
 * apps stack reads, and the label and annotation keys that tie objects of one cluster to the
 * other's. Defined once here; both stacks import them (components/contract/infra-outputs.ts holds
 * the shape of the infra stack's outputs). No imports: everything may depend on this module.
 */

/**
 * The 1Password item of a Harbor project's robot account: `harbor-robot-<project>` for the
 * project's first robot (its pull robot, which the apps stack's pull secrets read; the seed's
 * title), `harbor-robot-<project>-<robot>` for further ones. It is the item's resource name on
 * infra; its title there goes through itemTitle at the vault root, so with the seed's item prefix
 * the title is this name. The apps stack reads the title from the infra outputs
 * (`harborProjects.robotItems`) and falls back to `robotItemName(project)`.
 */
export function robotItemName(project: string, robot?: string): string {
    return robot === undefined ? `harbor-robot-${project}` : `harbor-robot-${project}-${robot}`;
}

/** The 1Password item (under the item prefix) of a tenant's credentials on infra. */
export function tenantItemName(tenant: string): string {
    return `cloudnative-pg/${tenant}`;
}

/** Label of a tenant's objects on infra (pooler pods, credentials) and of its apps' Secrets. */
export const TENANT_LABEL = "platform.monosense.io/tenant";
/** Label of an application's objects on the apps cluster. */
export const APPLICATION_LABEL = "platform.monosense.io/application";
/** Label of a cluster restored from another one's backups (shared or co-located). */
export const RESTORED_FROM_LABEL = "platform.monosense.io/restored-from";
/** Label of a pull secret: the Harbor project of the infra stack whose robot it carries. */
export const HARBOR_PROJECT_LABEL = "platform.monosense.io/harbor-project";
/** Label of the apps cluster's ClusterMesh stub Services of infra's global services. */
export const CLUSTERMESH_STUB_LABEL = "platform.monosense.io/clustermesh-stub";

/**
 * Annotation that makes a Service a Cilium ClusterMesh global service: the infra pooler (or
 * Dragonfly) Service and its same-named stub on the apps cluster both carry it.
 */
export const CILIUM_GLOBAL_ANNOTATION = "service.cilium.io/global";
/** `"false"`: a global Service whose local endpoints are not shared with the other clusters. */
export const CILIUM_SHARED_ANNOTATION = "service.cilium.io/shared";
