/**
 * How backups reach the object store: `https://` with an optional private CA (`endpointCA`), or
 * plain `http://`, which the config must accept in so many words (`allowHttp: true`): base
 * backups and WAL, every row of every tenant, then cross the network in clear.
 *
 * `endpointCA` names a Secret key holding the CA bundle (PEM) in the cluster's namespace; the
 * program does not create it (trust-manager, or `kubectl create secret generic`). It becomes
 * `endpointCA: {name, key}` of the Barman object store configuration: CNPG's
 * BarmanObjectStoreConfiguration (cnpg-v1.26.1 and v1.30.0 postgresql.cnpg.io_clusters.yaml,
 * `spec.backup.barmanObjectStore.endpointCA` and `externalClusters[].barmanObjectStore.endpointCA`,
 * a SecretKeySelector) and the plugin's ObjectStore (plugin-barman-cloud v0.13.0
 * barmancloud.cnpg.io_objectstores.yaml, `spec.configuration.endpointCA`). Pure.
 */
import { z } from "zod";
import type { Problem } from "../problems";
import { dnsLabel } from "../schema";

export const endpointCASchema = z.strictObject({
    /** The Secret (in the cluster's namespace) holding the object store's CA bundle. */
    secret: dnsLabel(253),
    /** Its key, default "ca.crt". */
    key: z.string().min(1).default("ca.crt"),
});

export type EndpointCA = z.infer<typeof endpointCASchema>;

/** The fields of a backup block this module adds (postgres.backup, applications[].postgres.backup). */
export const backupTransportFields = {
    /** CA bundle of an https endpoint signed by a private CA. */
    endpointCA: endpointCASchema.optional(),
    /** Accept a plain http:// endpoint: backups and WAL travel unencrypted. */
    allowHttp: z.boolean().default(false),
};

/** Problems of one backup block's transport; `key` is the block's key, e.g. "postgres.backup". */
export function backupTransportProblems(
    b: { endpointURL?: string; endpointCA?: EndpointCA; allowHttp: boolean },
    key: string,
): Problem[] {
    const url = b.endpointURL;
    if (!url) return [];
    const http = url.startsWith("http://");
    const problems: Problem[] = [];
    if (http && !b.allowHttp) {
        problems.push({
            key: `${key}.endpointURL`,
            value: url,
            message: `sends base backups and WAL unencrypted: use an https:// endpoint (with ${key}.endpointCA when its certificate is signed by a private CA), or set ${key}.allowHttp: true to accept plain http`,
        });
    }
    if (http && b.endpointCA) {
        problems.push({
            key: `${key}.endpointCA`,
            message: `needs an https:// endpointURL: ${url} is plain http, where a CA verifies nothing`,
        });
    }
    if (!http && b.allowHttp) {
        problems.push({
            key: `${key}.allowHttp`,
            value: true,
            message: `is for an http:// endpoint; ${url} is https (remove allowHttp)`,
        });
    }
    return problems;
}

/**
 * A recovery source on another endpoint: plain http there too needs the block's allowHttp.
 * `key` is the recovery block's key, `backupKey` the backup block's.
 */
export function recoverySourceTransportProblems(
    sourceURL: string | undefined,
    allowHttp: boolean,
    key: string,
    backupKey: string,
): Problem[] {
    if (!sourceURL?.startsWith("http://") || allowHttp) return [];
    return [
        {
            key: `${key}.source.endpointURL`,
            value: sourceURL,
            message: `reads base backups and WAL unencrypted: use an https:// endpoint, or set ${backupKey}.allowHttp: true to accept plain http`,
        },
    ];
}
