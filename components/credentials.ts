/**
 * Generated credentials: every password the platform creates is alphanumeric (Harbor and pgx put
 * them unquoted into DSNs and unescaped into redis:// URLs), 32 characters unless a consumer needs
 * an exact length, and handed on only as a Pulumi secret.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { randomProvider } from "./local-providers";
import { MANAGED_BY } from "./namespace";
import { readItemFields } from "./onepassword";
import { adoptedSecret, takenOverSecret, ValueInUse } from "./takeover/adopt";

/**
 * Annotation of a Kubernetes Secret naming the keys of its `stringData` that hold no secret
 * (comma-separated). The Kubernetes SDK marks a Secret's whole `stringData` secret
 * (`pulumi.secret(args.stringData)` in @pulumi/kubernetes 4.34.2 core/v1/secret.js), which lifts
 * the per-key markers into one, so the engine and `pulumi preview` show every value as secret;
 * the offline render shows the keys named here and writes every other value as "[secret]".
 */
export const PLAIN_KEYS_ANNOTATION = "platform.monosense.io/plain-keys";

export interface PasswordOptions {
    length?: number;
    /** Any change generates a new password (config-driven rotation). */
    rotation?: string;
    /** Protect against replacement and deletion (a password other systems keep a copy of). */
    protect?: boolean;
}

/**
 * A generated password, as a secret. `name` is the RandomPassword's resource name. When
 * `platform:takeover.secrets` lists `name` (and its rotation still matches), nothing is generated:
 * the existing value is read from its 1Password item and used as it is (`source` names that item).
 */
export function generatedPassword(
    name: string,
    parent: pulumi.Resource,
    opts: PasswordOptions = {},
): { resource?: random.RandomPassword; value: pulumi.Output<string>; source?: string } {
    const existing = adoptedSecret(name, opts.rotation);
    if (takenOverSecret(name)) new ValueInUse(name, existing !== undefined, parent);
    if (existing?.kubernetes) {
        return { value: liveSecretValue(name, existing.kubernetes, parent, existing.k8sProvider) };
    }
    if (existing?.item && existing.field) {
        const [value] = readItemFields(
            existing.vault,
            existing.item,
            [existing.field],
            existing.opProvider,
        );
        return {
            value: pulumi.secret(value ?? ""),
            source: `1Password item "${existing.item}", field "${existing.field}"`,
        };
    }
    const resource = randomPassword(name, parent, opts);
    return { resource, value: pulumi.secret(resource.result) };
}

/**
 * The value in use of key `ref.key` of the live Secret `ref.secret`, read at `pulumi up` through
 * the Kubernetes provider (`Secret.get`: a read, never an update). A missing key stops the run
 * with its name instead of writing an empty value.
 */
function liveSecretValue(
    name: string,
    ref: { secret: string; key: string },
    parent: pulumi.Resource,
    provider: k8s.Provider | undefined,
): pulumi.Output<string> {
    const live = k8s.core.v1.Secret.get(`${name}-in-use`, ref.secret, { parent, provider });
    return pulumi.secret(
        live.data.apply((data) => {
            const encoded = data[ref.key];
            if (encoded === undefined) {
                throw new Error(
                    `takeover: Secret ${ref.secret} has no key ${ref.key} (platform:takeover.secrets.${name}); keys: ${Object.keys(data).join(", ") || "none"}`,
                );
            }
            return Buffer.from(encoded, "base64").toString("utf8");
        }),
    );
}

/** A RandomPassword that is always generated (e.g. one whose bcrypt hash is needed). */
export function randomPassword(
    name: string,
    parent: pulumi.Resource,
    opts: PasswordOptions = {},
): random.RandomPassword {
    return new random.RandomPassword(
        name,
        {
            length: opts.length ?? 32,
            special: false,
            ...(opts.rotation ? { keepers: { rotation: opts.rotation } } : {}),
        },
        { parent, protect: opts.protect, provider: randomProvider() },
    );
}

/**
 * A `kubernetes.io/basic-auth` Secret as CNPG reads them (`username` must equal the role), labelled
 * `cnpg.io/reload` so that CNPG picks up a new password.
 */
export function basicAuthSecret(
    name: string,
    args: {
        namespace: string;
        username: string;
        password: pulumi.Input<string>;
        labels?: Record<string, string>;
    },
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: {
                name,
                namespace: args.namespace,
                labels: { ...MANAGED_BY, "cnpg.io/reload": "true", ...args.labels },
            },
            type: "kubernetes.io/basic-auth",
            stringData: { username: args.username, password: args.password },
        },
        opts,
    );
}
