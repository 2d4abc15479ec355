/**
 * CiliumNetworkPolicy objects (cilium.io/v2) of the infra cluster. `ciliumPolicy` is used by the
 * components that own a namespace (Dragonfly, Harbor) so that their policy waits for it; the
 * `NetworkPolicies` component holds those of the shared cluster's namespace.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY } from "../namespace";
import { CILIUM_POLICY_API_VERSION, type CiliumPolicy } from "./policies";

export function ciliumPolicy(
    policy: CiliumPolicy,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        `${policy.namespace}/${policy.name}`,
        {
            apiVersion: CILIUM_POLICY_API_VERSION,
            kind: "CiliumNetworkPolicy",
            metadata: { name: policy.name, namespace: policy.namespace, labels: MANAGED_BY },
            spec: policy.spec,
        },
        opts,
    );
}

export interface NetworkPoliciesArgs {
    policies: CiliumPolicy[];
    /** The namespace they live in, when this stack creates it. */
    namespace?: pulumi.Resource;
    /** Or, for policies in several namespaces: each namespace this stack creates, by name. */
    namespaces?: Record<string, pulumi.Resource>;
}

export class NetworkPolicies extends pulumi.ComponentResource {
    public readonly policies: k8s.apiextensions.CustomResource[];

    constructor(
        name: string,
        args: NetworkPoliciesArgs,
        opts: pulumi.ComponentResourceOptions = {},
    ) {
        super("platform:network:Policies", name, {}, opts);
        this.policies = args.policies.map((p) =>
            ciliumPolicy(p, {
                parent: this,
                dependsOn: [args.namespace, args.namespaces?.[p.namespace]].filter(
                    (r): r is pulumi.Resource => r !== undefined,
                ),
            }),
        );
        this.registerOutputs({ policies: args.policies.map((p) => `${p.namespace}/${p.name}`) });
    }
}
