/**
 * Dragonfly, Redis-compatible. `managed`: the operator (Helm, restricted-compliant), a generated
 * password (Kubernetes Secret + 1Password), the `Dragonfly` CR (Pulumi waits for phase "Ready")
 * and a NetworkPolicy admitting the client namespaces. `external`: an existing address and a
 * password read from 1Password.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { itemTitle, type OnePasswordConfig } from "../onepassword";
import { MANAGED_BY, namespace } from "../namespace";
import { generatedPassword } from "../credentials";
import { ciliumPolicy } from "../network/component";
import type { CiliumPolicy } from "../network/policies";
import { credentialItem, onePasswordOf, readItemFields } from "../onepassword";
import { DRAGONFLY_OPERATOR_CHART, dragonflyAddress, type DragonflyConfig } from "./config";
import {
    buildDragonflyClientNetworkPolicy,
    buildDragonflySpec,
    DRAGONFLY_API_VERSION,
    DRAGONFLY_KIND,
    DRAGONFLY_PASSWORD_KEY,
    DRAGONFLY_WAIT_FOR,
    dragonflyFreeDatabases,
    dragonflyOperatorValues,
} from "./spec";

export interface DragonflyArgs {
    config: DragonflyConfig;
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Input<string>;
    /** Redis indexes Harbor uses, to report which logical databases are free. */
    usedDatabases: readonly (string | undefined)[];
    /**
     * The CiliumNetworkPolicy admitting the clients (components/network/policies.ts). When set it
     * replaces the NetworkPolicy, which cannot tell the infra cluster's namespaces from the apps
     * cluster's of the same name under ClusterMesh.
     */
    clientPolicy?: CiliumPolicy;
}

export class Dragonfly extends pulumi.ComponentResource {
    /** `host:port` clients use. */
    public readonly address: string;
    public readonly password: pulumi.Output<string>;
    public readonly freeDatabases: number[];
    /** What clients should wait for: the ready Dragonfly CR (managed) or nothing (external). */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: DragonflyArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("platform:dragonfly:Dragonfly", name, {}, opts);
        const cfg = args.config;
        const k8sOpts = { parent: this };
        this.address = dragonflyAddress(cfg);
        this.freeDatabases = dragonflyFreeDatabases(args.usedDatabases);
        this.ready = [];

        if (cfg.mode === "external") {
            const [password] = readItemFields(
                args.vaultUuid,
                itemTitle(args.onepassword, cfg.passwordItem),
                [cfg.passwordField],
                onePasswordOf(this),
            );
            this.password = pulumi.secret(password ?? "");
        } else {
            const operatorNs = namespace(cfg.operator.namespace, "restricted", false, k8sOpts);
            const operator = new k8s.helm.v3.Release(
                "dragonfly-operator",
                {
                    name: "dragonfly-operator",
                    namespace: cfg.operator.namespace,
                    // An OCI chart is referenced as <repository>/<chart>; an https one through repositoryOpts.
                    ...(cfg.operator.chart.repository.startsWith("oci://")
                        ? {
                              chart: `${cfg.operator.chart.repository.replace(/\/$/, "")}/${DRAGONFLY_OPERATOR_CHART.name}`,
                          }
                        : {
                              chart: DRAGONFLY_OPERATOR_CHART.name,
                              repositoryOpts: { repo: cfg.operator.chart.repository },
                          }),
                    version: cfg.operator.chart.version,
                    values: dragonflyOperatorValues(cfg),
                    skipAwait: false,
                    cleanupOnFail: true,
                    timeout: 600,
                    maxHistory: 10,
                },
                { ...k8sOpts, dependsOn: [operatorNs] },
            );
            const ns = namespace(cfg.namespace, "restricted", true, k8sOpts);

            // Alphanumeric: the chart puts it unescaped into Harbor's redis:// URLs.
            this.password = generatedPassword(`${cfg.name}-auth`, this, {
                rotation: cfg.passwordRotation,
            }).value;
            const secretName = `${cfg.name}-auth`;
            const secret = new k8s.core.v1.Secret(
                secretName,
                {
                    metadata: { name: secretName, namespace: cfg.namespace, labels: MANAGED_BY },
                    type: "Opaque",
                    stringData: { [DRAGONFLY_PASSWORD_KEY]: this.password },
                },
                { ...k8sOpts, dependsOn: [ns] },
            );
            credentialItem(
                secretName,
                {
                    vault: args.vaultUuid,
                    title: itemTitle(args.onepassword, cfg.authItem),
                    username: "default",
                    password: this.password,
                    section: "connection",
                    fields: { addr: this.address },
                },
                { parent: this },
            );

            const instance = new k8s.apiextensions.CustomResource(
                cfg.name,
                {
                    apiVersion: DRAGONFLY_API_VERSION,
                    kind: DRAGONFLY_KIND,
                    metadata: {
                        name: cfg.name,
                        namespace: cfg.namespace,
                        labels: MANAGED_BY,
                        annotations: {
                            "pulumi.com/waitFor": DRAGONFLY_WAIT_FOR,
                            "pulumi.com/timeoutSeconds": "900",
                        },
                    },
                    spec: buildDragonflySpec(cfg, secretName, !args.clientPolicy),
                },
                { ...k8sOpts, dependsOn: [operator, secret] },
            );
            if (args.clientPolicy) {
                ciliumPolicy(args.clientPolicy, { ...k8sOpts, dependsOn: [ns] });
            } else
                new k8s.networking.v1.NetworkPolicy(
                    `${cfg.name}-clients`,
                    {
                        metadata: {
                            name: `${cfg.name}-clients`,
                            namespace: cfg.namespace,
                            labels: MANAGED_BY,
                        },
                        spec: buildDragonflyClientNetworkPolicy(cfg),
                    },
                    { ...k8sOpts, dependsOn: [ns] },
                );
            this.ready.push(instance);
        }

        this.registerOutputs({
            address: this.address,
            password: this.password,
            freeDatabases: this.freeDatabases,
        });
    }
}
