/**
 * ClusterMesh stubs: for every global service of the infra cluster, a Service of the same name and
 * namespace, with the same ports and no selector, annotated `service.cilium.io/global: "true"`.
 * Cilium merges the backends of same-named global Services across the mesh, so pods on the apps
 * cluster resolve e.g. `gitlab-pooler.cnpg-system.svc.cluster.local` and reach the infra poolers.
 *
 * Namespaces: one that already exists in this stack (cnpg-system, made by the CNPG operator
 * component) is only depended on; any other is created here (restricted: it holds no pods).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTERMESH_STUB_LABEL } from "../contract/names";
import { MANAGED_BY, namespace } from "../namespace";
import { stubServiceSpec, type GlobalService } from "./spec";

export interface ClusterMeshStubsArgs {
    services: GlobalService[];
    /** Namespaces other components of this stack already create, by name. */
    existingNamespaces: Record<string, pulumi.Resource>;
}

export class ClusterMeshStubs extends pulumi.ComponentResource {
    public readonly services: k8s.core.v1.Service[];
    public readonly namespaces: k8s.core.v1.Namespace[];

    constructor(name: string, args: ClusterMeshStubsArgs, opts: pulumi.ComponentResourceOptions) {
        super("platform:apps:ClusterMeshStubs", name, {}, opts);
        const k8sOpts = { parent: this };
        const nsByName = new Map<string, pulumi.Resource>(Object.entries(args.existingNamespaces));
        this.namespaces = [];
        for (const nsName of [...new Set(args.services.map((s) => s.namespace))].sort()) {
            if (nsByName.has(nsName)) continue;
            const ns = namespace(nsName, "restricted", false, k8sOpts);
            this.namespaces.push(ns);
            nsByName.set(nsName, ns);
        }
        this.services = args.services.map((svc) => {
            const { metadata, spec } = stubServiceSpec(svc);
            const ns = nsByName.get(svc.namespace);
            return new k8s.core.v1.Service(
                `${svc.namespace}/${svc.name}`,
                {
                    metadata: {
                        ...metadata,
                        labels: { ...MANAGED_BY, [CLUSTERMESH_STUB_LABEL]: "true" },
                    },
                    spec,
                },
                { ...k8sOpts, dependsOn: ns ? [ns] : [] },
            );
        });
        this.registerOutputs({
            services: args.services.map((s) => `${s.namespace}/${s.name}`),
        });
    }
}
