/**
 * Helm values for goharbor/harbor chart 1.19.1 (`helm template` of the fetched chart with the
 * render's values: 30 objects, the Secrets by name), built from config and the NAMES of Secrets the
 * Harbor component creates. No secret value ever passes through here: every credential goes
 * through one of the chart's `existingSecret` settings.
 */
import { k8sResources, type Resources } from "../schema";
import type { HarborConfig } from "./config";
import { harborRouteTimeouts } from "./route";

/** Lengths Harbor requires of the generated secrets (chart values.yaml comments, Harbor source). */
export const HARBOR_SECRET_LENGTHS = {
    /** AES key for encrypted settings: exactly 16 characters; never rotate (old data unreadable). */
    secretKey: 16,
    coreSecret: 16,
    /** CSRF key: exactly 32, else each core pod makes its own and the UI fails with 2 replicas. */
    xsrfKey: 32,
    jobserviceSecret: 16,
    registryHttpSecret: 16,
} as const;

/** Keys the chart reads from each existing Secret. */
export const HARBOR_SECRET_KEYS = {
    admin: "HARBOR_ADMIN_PASSWORD",
    secretKey: "secretKey",
    core: "secret",
    coreToken: ["tls.crt", "tls.key"],
    xsrf: "CSRF_KEY",
    jobservice: "JOBSERVICE_SECRET",
    registryHttp: "REGISTRY_HTTP_SECRET",
    registryCredentials: ["REGISTRY_PASSWD", "REGISTRY_HTPASSWD"],
    database: "password",
    redis: "REDIS_PASSWORD",
    s3: ["REGISTRY_STORAGE_S3_ACCESSKEY", "REGISTRY_STORAGE_S3_SECRETKEY"],
} as const;

/** The registry's basic-auth user (the htpasswd entry in the credentials Secret is for it). */
export const HARBOR_REGISTRY_USERNAME = "harbor_registry_user";

/** Pod annotation carrying HarborRefs.credentialsRevision on every pod that uses PostgreSQL or Redis. */
export const CREDENTIALS_REVISION_ANNOTATION = "platform.monosense.io/credentials-revision";

/** The chart's fixed ClusterIP Service name and port (expose.clusterIP), the HTTPRoute backend. */
export const HARBOR_SERVICE = { name: "harbor", port: 80 } as const;

/**
 * Redis password decision: `redis.external.password`, filled by the component with a Pulumi
 * secret; `redis.external.existingSecret` is not used.
 *
 * Chart 1.16 resolves existingSecret with `harbor.redis.pwdfromsecret`:
 * `(lookup "v1" "Secret" … existingSecret).data.REDIS_PASSWORD`. Outside a live install/upgrade
 * `lookup` returns an empty map and that expression fails with a nil pointer. pulumi-kubernetes'
 * `helm.v3.Release` renders the chart client-side during Check (preview and before every update),
 * so existingSecret would make every preview of the release fail (the same break that `helm
 * template` and Argo CD users hit, goharbor/harbor-helm#2207). So this is the one value the chart
 * can only take as a value, not by reference: the component passes it as a Pulumi secret, the
 * Release keeps its values secret in state, and `additionalSecretOutputs` covers its outputs. The
 * chart URL-escapes it into the Redis URLs and writes it into its own ConfigMaps/Secrets, as it
 * does with existingSecret too (goharbor/harbor-helm#1803).
 */
export const REDIS_PASSWORD_NOTE =
    "redis.external.password as a Pulumi secret: existingSecret needs Helm lookup, which fails (nil pointer) " +
    "when the chart is rendered without a cluster, as pulumi-kubernetes does during Check (goharbor/harbor-helm#2207).";

/**
 * Value paths the component fills from secret Outputs: the only credential the chart cannot take
 * from an existing Secret in a client-side render.
 */
export const HARBOR_SECRET_VALUE_PATHS: readonly string[] = ["redis.external.password"];

/** Names (never values) the Harbor values refer to. Secrets live in the Harbor namespace. */
export interface HarborRefs {
    /** `<tenant>-pooler.<cluster namespace>.svc`, e.g. harbor-pooler.cnpg-system.svc */
    databaseHost: string;
    /** A string, as the chart wants it: "5432". */
    databasePort: string;
    databaseUser: string;
    /** e.g. harbor_registry */
    coreDatabase: string;
    /** Secret with key `password` (the database role's password). */
    databaseSecret: string;
    /** e.g. dragonfly.dragonfly.svc.cluster.local:6379 */
    redisAddr: string;
    /** Secret with key HARBOR_ADMIN_PASSWORD (initial admin password). */
    adminSecret: string;
    /** Secret with key `secretKey` (16 characters). */
    secretKeySecret: string;
    /** Secret with key `secret` (core.secret, 16 characters). */
    coreSecret: string;
    /** kubernetes.io/tls Secret (tls.crt, tls.key) for signing registry tokens. */
    coreTokenSecret: string;
    /** Secret with key CSRF_KEY (32 characters). */
    xsrfSecret: string;
    /** Secret with key JOBSERVICE_SECRET (16 characters). */
    jobserviceSecret: string;
    /** Secret with key REGISTRY_HTTP_SECRET (16 characters). */
    registryHttpSecret: string;
    /** Secret with keys REGISTRY_PASSWD and REGISTRY_HTPASSWD (for HARBOR_REGISTRY_USERNAME). */
    registryCredentialsSecret: string;
    /** Secret with REGISTRY_STORAGE_S3_ACCESSKEY / _SECRETKEY; required when storage.type is s3. */
    s3Secret?: string;
    /**
     * A non-secret revision of the database and Redis passwords (their rotation settings). The
     * chart reads those passwords at install/upgrade (Redis through Helm `lookup`) and pods read
     * them at start; a changed revision changes the pods' annotations, so Helm upgrades and the
     * pods restart with the new passwords.
     */
    credentialsRevision?: string;
}

type Values = Record<string, unknown>;

function componentValues(c: { replicas: number; resources: Resources }): Values {
    return { replicas: c.replicas, resources: k8sResources(c.resources) };
}

function persistenceValues(cfg: HarborConfig): Values {
    const pvc: Values = {};
    if (cfg.storage.type === "filesystem") {
        pvc.registry = {
            storageClass: cfg.storage.filesystem.storageClass,
            accessMode: cfg.storage.filesystem.accessMode,
            size: cfg.storage.filesystem.size,
        };
    }
    const js = cfg.components.jobservice;
    if (js.jobLoggers.includes("file")) {
        pvc.jobservice = {
            jobLog: {
                storageClass: js.jobLog.storageClass,
                accessMode: js.jobLog.accessMode,
                size: js.jobLog.size,
            },
        };
    }
    if (cfg.trivy.enabled) {
        pvc.trivy = { storageClass: cfg.trivy.storageClass, size: cfg.trivy.size };
    }

    const imageChartStorage: Values = { type: cfg.storage.type };
    if (cfg.storage.type === "s3") {
        const s3 = cfg.storage.s3;
        if (s3 === undefined)
            throw new Error('harbor.storage.s3 is required when storage.type is "s3"');
        imageChartStorage.disableredirect = s3.disableredirect;
        imageChartStorage.s3 = {
            region: s3.region,
            bucket: s3.bucket,
            regionendpoint: s3.regionendpoint,
            ...(s3.rootdirectory === undefined ? {} : { rootdirectory: s3.rootdirectory }),
        };
    }
    return {
        enabled: true,
        resourcePolicy: "keep",
        persistentVolumeClaim: pvc,
        imageChartStorage,
    };
}

/**
 * The Helm values for chart 1.19.1. TLS ends at the Gateway: `expose.type: clusterIP` with TLS
 * off serves plain HTTP on the Service `harbor`:80 (no `expose.tls.auto.commonName` needed, no
 * generated certificate); `externalURL` stays https, which also keeps the CSRF cookie Secure.
 * `containerSecurityContext` is left at the chart default (restricted-compliant).
 */
export function harborValues(cfg: HarborConfig, refs: HarborRefs): Values {
    if (cfg.storage.type === "s3" && refs.s3Secret === undefined) {
        throw new Error('harborValues: refs.s3Secret is required when storage.type is "s3"');
    }
    const c = cfg.components;
    const redis: Values = {
        addr: refs.redisAddr,
        coreDatabaseIndex: cfg.redis.coreDatabaseIndex,
        jobserviceDatabaseIndex: cfg.redis.jobserviceDatabaseIndex,
        registryDatabaseIndex: cfg.redis.registryDatabaseIndex,
        trivyAdapterIndex: cfg.redis.trivyAdapterIndex,
        ...(cfg.redis.harborDatabaseIndex === undefined
            ? {}
            : { harborDatabaseIndex: cfg.redis.harborDatabaseIndex }),
        ...(cfg.redis.cacheLayerDatabaseIndex === undefined
            ? {}
            : { cacheLayerDatabaseIndex: cfg.redis.cacheLayerDatabaseIndex }),
        // Dragonfly's default user; the password is set by the component (HARBOR_SECRET_VALUE_PATHS).
        username: "",
    };
    const podAnnotations =
        refs.credentialsRevision === undefined
            ? {}
            : { podAnnotations: { [CREDENTIALS_REVISION_ANNOTATION]: refs.credentialsRevision } };
    const persistence = persistenceValues(cfg);
    if (cfg.storage.type === "s3" && refs.s3Secret !== undefined) {
        const ics = persistence.imageChartStorage as { s3: Values };
        ics.s3.existingSecret = refs.s3Secret;
    }

    return {
        expose: {
            type: "clusterIP",
            tls: { enabled: false, certSource: "none" },
            clusterIP: { name: HARBOR_SERVICE.name, ports: { httpPort: HARBOR_SERVICE.port } },
        },
        externalURL: cfg.externalURL,
        persistence,
        existingSecretAdminPassword: refs.adminSecret,
        existingSecretAdminPasswordKey: HARBOR_SECRET_KEYS.admin,
        existingSecretSecretKey: refs.secretKeySecret,
        updateStrategy: { type: cfg.updateStrategy },
        metrics: {
            enabled: cfg.metrics.enabled,
            serviceMonitor: {
                enabled: cfg.metrics.enabled && cfg.metrics.serviceMonitor,
                additionalLabels: cfg.metrics.serviceMonitorLabels,
            },
        },
        cache: { enabled: cfg.cache.enabled, expireHours: cfg.cache.expireHours },
        nginx: componentValues(c.nginx),
        portal: componentValues(c.portal),
        core: {
            ...componentValues(c.core),
            ...podAnnotations,
            quotaUpdateProvider: cfg.quotaUpdateProvider,
            existingSecret: refs.coreSecret,
            secretName: refs.coreTokenSecret,
            existingXsrfSecret: refs.xsrfSecret,
            existingXsrfSecretKey: HARBOR_SECRET_KEYS.xsrf,
        },
        jobservice: {
            ...componentValues(c.jobservice),
            ...podAnnotations,
            jobLoggers: [...c.jobservice.jobLoggers],
            existingSecret: refs.jobserviceSecret,
            existingSecretKey: HARBOR_SECRET_KEYS.jobservice,
        },
        registry: {
            replicas: c.registry.replicas,
            ...podAnnotations,
            registry: { resources: k8sResources(c.registry.resources) },
            existingSecret: refs.registryHttpSecret,
            existingSecretKey: HARBOR_SECRET_KEYS.registryHttp,
            // Relative Location headers: TLS ends at the Gateway, so the registry never has to
            // guess the external scheme/host of upload URLs.
            relativeurls: true,
            credentials: {
                username: HARBOR_REGISTRY_USERNAME,
                existingSecret: refs.registryCredentialsSecret,
            },
        },
        trivy: {
            enabled: cfg.trivy.enabled,
            ...componentValues(c.trivy),
            ...podAnnotations,
            skipUpdate: cfg.trivy.skipUpdate,
        },
        exporter: { ...componentValues(c.exporter), ...podAnnotations },
        database: {
            type: "external",
            external: {
                host: refs.databaseHost,
                port: refs.databasePort,
                username: refs.databaseUser,
                coreDatabase: refs.coreDatabase,
                existingSecret: refs.databaseSecret,
                sslmode: cfg.database.sslmode,
            },
            maxOpenConns: cfg.database.maxOpenConns,
            maxIdleConns: cfg.database.maxIdleConns,
        },
        redis: { type: "external", external: redis },
    };
}

/** Spec of the Gateway API HTTPRoute that sends externalURL's host to the chart's Service. */
export function harborHttpRouteSpec(cfg: HarborConfig): Values {
    return {
        parentRefs: [
            {
                group: "gateway.networking.k8s.io",
                kind: "Gateway",
                name: cfg.gateway.name,
                namespace: cfg.gateway.namespace,
                ...(cfg.gateway.sectionName === undefined
                    ? {}
                    : { sectionName: cfg.gateway.sectionName }),
            },
        ],
        hostnames: [cfg.hostname],
        rules: [
            {
                matches: [{ path: { type: "PathPrefix", value: "/" } }],
                backendRefs: [{ name: HARBOR_SERVICE.name, port: HARBOR_SERVICE.port }],
                timeouts: harborRouteTimeouts(cfg.timeouts),
            },
        ],
    };
}
