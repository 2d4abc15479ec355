/**
 * Harbor: its namespace (Pod Security restricted enforced; protected, it holds the registry's
 * volume), every secret Harbor needs (generated once, handed to the chart by reference), the
 * `harbor` Helm release on the Harbor tenant's pooler and on Dragonfly, and the HTTPRoute.
 *
 * All credentials reach the chart through `existingSecret`-style settings, so the release's values
 * hold Secret names only and nothing is regenerated on an upgrade (the chart would otherwise
 * generate core/jobservice/registry secrets, the CSRF key, the token CA and the htpasswd salt on
 * every render).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { tlsProvider } from "../local-providers";
import { MANAGED_BY, namespace } from "../namespace";
import { generatedPassword, randomPassword } from "../credentials";
import { ciliumPolicy } from "../network/component";
import type { CiliumPolicy } from "../network/policies";
import { credentialItem } from "../onepassword";
import { itemTitle, type OnePasswordConfig } from "../onepassword";
import type { HarborConfig } from "./config";
import {
    HARBOR_REGISTRY_USERNAME,
    HARBOR_SECRET_LENGTHS,
    harborHttpRouteSpec,
    harborValues,
    type HarborRefs,
} from "./values";

export interface HarborArgs {
    config: HarborConfig;
    /** Where the harbor-core and harbor-registry items go (itemTitle, at the vault root in production). */
    onepassword: OnePasswordConfig;
    vaultUuid: pulumi.Input<string>;
    database: {
        host: string;
        user: string;
        name: string;
        password: pulumi.Input<string>;
    };
    redis: { address: string; password: pulumi.Input<string> };
    /** Non-secret revision of the database and Redis passwords (see HarborRefs.credentialsRevision). */
    credentialsRevision: string;
    /** What the release waits for: tenant grants, pooler, Dragonfly. */
    dependsOn: pulumi.Resource[];
    /** The namespace's CiliumNetworkPolicy (components/network/policies.ts), if any. */
    networkPolicy?: CiliumPolicy;
}

/** Names of the Secrets this component creates in the Harbor namespace (none collide with the chart's own). */
export const HARBOR_SECRETS = {
    admin: "harbor-creds-admin",
    secretKey: "harbor-creds-secret-key",
    core: "harbor-creds-core",
    coreToken: "harbor-creds-core-token",
    xsrf: "harbor-creds-xsrf",
    jobservice: "harbor-creds-jobservice",
    registryHttp: "harbor-creds-registry-http",
    registryCredentials: "harbor-creds-registry",
    database: "harbor-creds-database",
} as const;

/** The Harbor values with `redis.external.password` set to the (secret) Dragonfly password. */
export function withRedisPassword(
    values: Record<string, unknown>,
    password: pulumi.Input<string>,
): Record<string, unknown> {
    const redis = values.redis as { external: Record<string, unknown> };
    return {
        ...values,
        redis: { ...redis, external: { ...redis.external, password: pulumi.secret(password) } },
    };
}

export class Harbor extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** The HTTPRoute; Pulumi waits until the Gateway has accepted it. */
    public readonly route: k8s.apiextensions.CustomResource;
    public readonly adminPassword: pulumi.Output<string>;
    public readonly url: string;
    public readonly hostname: string;

    constructor(name: string, args: HarborArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("platform:harbor:Harbor", name, {}, opts);
        const cfg = args.config;
        const k8sOpts = { parent: this };
        this.url = cfg.externalURL;
        this.hostname = cfg.hostname;

        const ns = namespace(cfg.namespace, "restricted", true, k8sOpts);
        if (args.networkPolicy) ciliumPolicy(args.networkPolicy, { ...k8sOpts, dependsOn: [ns] });

        // `protect`: Harbor only reads the admin password at first start, and encrypts settings with
        // secretKey; replacing either would leave Harbor and 1Password disagreeing or make stored
        // credentials unreadable, so they are protected against replacement and deletion.
        const generate = (id: string, length: number, protect = false) =>
            generatedPassword(`harbor-${id}`, this, { length, protect }).value;
        const secretOf = (
            secretName: string,
            data: Record<string, pulumi.Input<string>>,
            type = "Opaque",
        ) =>
            new k8s.core.v1.Secret(
                secretName,
                {
                    metadata: { name: secretName, namespace: cfg.namespace, labels: MANAGED_BY },
                    type,
                    stringData: data,
                },
                { ...k8sOpts, dependsOn: [ns] },
            );

        this.adminPassword = generate("admin-password", 24, true);
        const secretKey = generate("secret-key", HARBOR_SECRET_LENGTHS.secretKey, true);
        const coreSecret = generate("core-secret", HARBOR_SECRET_LENGTHS.coreSecret);
        const xsrfKey = generate("xsrf-key", HARBOR_SECRET_LENGTHS.xsrfKey);
        const jobserviceSecret = generate(
            "jobservice-secret",
            HARBOR_SECRET_LENGTHS.jobserviceSecret,
        );
        const registryHttpSecret = generate(
            "registry-http-secret",
            HARBOR_SECRET_LENGTHS.registryHttpSecret,
        );
        const registryPassword = randomPassword("harbor-registry-password", this);

        // Token-signing key pair: without it the chart makes a new CA on every render.
        const tokenKey = new tls.PrivateKey(
            "harbor-core-token",
            { algorithm: "RSA", rsaBits: 4096 },
            { parent: this, provider: tlsProvider() },
        );
        const tokenCert = new tls.SelfSignedCert(
            "harbor-core-token",
            {
                privateKeyPem: tokenKey.privateKeyPem,
                subject: { commonName: "harbor-token-ca" },
                validityPeriodHours: 10 * 365 * 24,
                earlyRenewalHours: 30 * 24,
                isCaCertificate: true,
                allowedUses: ["digital_signature", "cert_signing", "key_encipherment"],
            },
            { parent: this, provider: tlsProvider() },
        );

        const secrets = [
            secretOf(HARBOR_SECRETS.admin, { HARBOR_ADMIN_PASSWORD: this.adminPassword }),
            secretOf(HARBOR_SECRETS.secretKey, { secretKey }),
            secretOf(HARBOR_SECRETS.core, { secret: coreSecret }),
            secretOf(
                HARBOR_SECRETS.coreToken,
                { "tls.crt": tokenCert.certPem, "tls.key": pulumi.secret(tokenKey.privateKeyPem) },
                "kubernetes.io/tls",
            ),
            secretOf(HARBOR_SECRETS.xsrf, { CSRF_KEY: xsrfKey }),
            secretOf(HARBOR_SECRETS.jobservice, { JOBSERVICE_SECRET: jobserviceSecret }),
            secretOf(HARBOR_SECRETS.registryHttp, { REGISTRY_HTTP_SECRET: registryHttpSecret }),
            secretOf(HARBOR_SECRETS.registryCredentials, {
                REGISTRY_PASSWD: pulumi.secret(registryPassword.result),
                REGISTRY_HTPASSWD: pulumi.secret(
                    pulumi.interpolate`${HARBOR_REGISTRY_USERNAME}:${registryPassword.bcryptHash}`,
                ),
            }),
            // The tenant's password, copied into Harbor's namespace (the chart reads key "password").
            secretOf(HARBOR_SECRETS.database, { password: args.database.password }),
        ];

        credentialItem(
            "harbor-core",
            {
                vault: args.vaultUuid,
                title: itemTitle(args.onepassword, "harbor-core", true),
                username: "admin",
                password: this.adminPassword,
                section: "harbor",
                fields: {
                    admin_password: this.adminPassword,
                    secret_key: secretKey,
                    url: cfg.externalURL,
                },
                concealed: ["admin_password", "secret_key"],
            },
            { parent: this },
        );
        credentialItem(
            "harbor-registry",
            {
                vault: args.vaultUuid,
                title: itemTitle(args.onepassword, "harbor-registry", true),
                username: HARBOR_REGISTRY_USERNAME,
                password: pulumi.secret(registryPassword.result),
                section: "harbor",
                fields: { http_secret: registryHttpSecret },
                concealed: ["http_secret"],
            },
            { parent: this },
        );

        const refs: HarborRefs = {
            databaseHost: args.database.host,
            databasePort: "5432",
            databaseUser: args.database.user,
            coreDatabase: args.database.name,
            databaseSecret: HARBOR_SECRETS.database,
            redisAddr: args.redis.address,
            adminSecret: HARBOR_SECRETS.admin,
            secretKeySecret: HARBOR_SECRETS.secretKey,
            coreSecret: HARBOR_SECRETS.core,
            coreTokenSecret: HARBOR_SECRETS.coreToken,
            xsrfSecret: HARBOR_SECRETS.xsrf,
            jobserviceSecret: HARBOR_SECRETS.jobservice,
            registryHttpSecret: HARBOR_SECRETS.registryHttp,
            registryCredentialsSecret: HARBOR_SECRETS.registryCredentials,
            credentialsRevision: args.credentialsRevision,
        };

        this.release = new k8s.helm.v3.Release(
            "harbor",
            {
                name: "harbor",
                namespace: cfg.namespace,
                chart: "harbor",
                version: cfg.chart.version,
                repositoryOpts: { repo: cfg.chart.repository },
                // The Redis password is the one value the chart cannot read from a Secret in a
                // client-side render (see REDIS_PASSWORD_NOTE): it goes in as a Pulumi secret.
                values: withRedisPassword(harborValues(cfg, refs), args.redis.password),
                skipAwait: false,
                cleanupOnFail: true,
                // Core migrates the schema at start and waits for the database and Redis.
                timeout: 900,
                maxHistory: 10,
            },
            {
                ...k8sOpts,
                dependsOn: [ns, ...secrets, ...args.dependsOn],
                // Values hold the Redis password: keep every copy of them secret in state.
                additionalSecretOutputs: ["values", "manifest"],
            },
        );

        this.route = new k8s.apiextensions.CustomResource(
            "harbor",
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "HTTPRoute",
                metadata: {
                    name: "harbor",
                    namespace: cfg.namespace,
                    labels: MANAGED_BY,
                    annotations: {
                        // Harbor's API (projects, robots) is reached through this route: wait until
                        // the Gateway has accepted it.
                        "pulumi.com/waitFor":
                            'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True',
                        "pulumi.com/timeoutSeconds": "600",
                    },
                },
                spec: harborHttpRouteSpec(cfg),
            },
            { ...k8sOpts, dependsOn: [this.release] },
        );

        this.registerOutputs({
            url: this.url,
            hostname: this.hostname,
            adminPassword: this.adminPassword,
        });
    }
}
