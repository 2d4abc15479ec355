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

export interface PasswordOptions {
    length?: number;
    /** Any change generates a new password (config-driven rotation). */
    rotation?: string;
    /** Protect against replacement and deletion (a password other systems keep a copy of). */
    protect?: boolean;
}

/** A generated password, as a secret. `name` is the RandomPassword's resource name. */
export function generatedPassword(
    name: string,
    parent: pulumi.Resource,
    opts: PasswordOptions = {},
): { resource: random.RandomPassword; value: pulumi.Output<string> } {
    const resource = new random.RandomPassword(
        name,
        {
            length: opts.length ?? 32,
            special: false,
            ...(opts.rotation ? { keepers: { rotation: opts.rotation } } : {}),
        },
        { parent, protect: opts.protect, provider: randomProvider() },
    );
    return { resource, value: pulumi.secret(resource.result) };
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
