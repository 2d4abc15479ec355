/**
 * The backup-metrics exporter's objects (components/monitoring/exporter.ts builds them): its
 * ServiceAccount, a ClusterRole that only lists and watches CRDs, a Role per watched namespace
 * that only lists and watches Clusters (and ObjectStores), the config, the Deployment, its
 * Service and the ServiceMonitor the scraper finds it by.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY } from "../namespace";
import {
    EXPORTER_NAME,
    EXPORTER_POD_LABELS,
    SERVICE_MONITOR_API_VERSION,
    type ExporterObjects,
} from "./exporter";

export interface BackupExporterArgs {
    objects: ExporterObjects;
    namespace: string;
    /** The exporter's namespace, when this stack creates it. */
    namespaceResource?: pulumi.Resource;
    /** Watched namespaces, with the resource that creates each when this stack does. */
    watchNamespaces: Record<string, pulumi.Resource | undefined>;
    /** What the Deployment waits for: the releases that install the CRDs it serves. */
    after?: pulumi.Resource[];
    /** Labels of the ServiceMonitor. */
    serviceMonitorLabels: Record<string, string>;
}

export class BackupExporter extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;

    constructor(
        name: string,
        args: BackupExporterArgs,
        opts: pulumi.ComponentResourceOptions = {},
    ) {
        super("platform:monitoring:BackupExporter", name, {}, opts);
        const o = args.objects;
        const ns = args.namespace;
        const own = args.namespaceResource;
        const base = { parent: this };
        const inNs = { ...base, dependsOn: own ? [own] : [] };
        const labels = { ...MANAGED_BY, ...EXPORTER_POD_LABELS };
        const meta = { name: EXPORTER_NAME, namespace: ns, labels };

        const sa = new k8s.core.v1.ServiceAccount(
            `${ns}/${EXPORTER_NAME}`,
            { metadata: meta },
            inNs,
        );
        const subjects = [{ kind: "ServiceAccount", name: EXPORTER_NAME, namespace: ns }];
        const clusterRole = new k8s.rbac.v1.ClusterRole(
            EXPORTER_NAME,
            { metadata: { name: EXPORTER_NAME, labels }, rules: o.clusterRole.rules },
            base,
        );
        const grants: pulumi.Resource[] = [
            new k8s.rbac.v1.ClusterRoleBinding(
                EXPORTER_NAME,
                {
                    metadata: { name: EXPORTER_NAME, labels },
                    roleRef: {
                        apiGroup: "rbac.authorization.k8s.io",
                        kind: "ClusterRole",
                        name: EXPORTER_NAME,
                    },
                    subjects,
                },
                { ...base, dependsOn: [clusterRole, sa] },
            ),
        ];
        for (const [watched, resource] of Object.entries(args.watchNamespaces).sort()) {
            const opts = { ...base, dependsOn: resource ? [resource] : [] };
            const m = { name: EXPORTER_NAME, namespace: watched, labels };
            const role = new k8s.rbac.v1.Role(
                `${watched}/${EXPORTER_NAME}`,
                { metadata: m, rules: o.role.rules },
                opts,
            );
            grants.push(
                new k8s.rbac.v1.RoleBinding(
                    `${watched}/${EXPORTER_NAME}`,
                    {
                        metadata: m,
                        roleRef: {
                            apiGroup: "rbac.authorization.k8s.io",
                            kind: "Role",
                            name: EXPORTER_NAME,
                        },
                        subjects,
                    },
                    { ...opts, dependsOn: [...opts.dependsOn, role, sa] },
                ),
            );
        }
        const config = new k8s.core.v1.ConfigMap(
            `${ns}/${EXPORTER_NAME}`,
            { metadata: meta, data: { "config.yaml": o.configYaml } },
            inNs,
        );
        this.deployment = new k8s.apps.v1.Deployment(
            `${ns}/${EXPORTER_NAME}`,
            { metadata: meta, spec: o.deployment },
            {
                ...inNs,
                dependsOn: [...inNs.dependsOn, sa, config, ...grants, ...(args.after ?? [])],
            },
        );
        new k8s.core.v1.Service(
            `${ns}/${EXPORTER_NAME}`,
            { metadata: meta, spec: o.service },
            inNs,
        );
        new k8s.apiextensions.CustomResource(
            `${ns}/${EXPORTER_NAME}`,
            {
                apiVersion: SERVICE_MONITOR_API_VERSION,
                kind: "ServiceMonitor",
                metadata: { ...meta, labels: { ...labels, ...args.serviceMonitorLabels } },
                spec: o.serviceMonitor,
            },
            inNs,
        );
        this.registerOutputs({ namespace: ns, name: EXPORTER_NAME });
    }
}
