/**
 * What a role's `password` input is: the SCRAM-SHA-256 verifier of the role's cleartext password
 * (./scram.ts), never the cleartext. The salt is a `RandomBytes` kept in state (secret), so the
 * verifier is the same on every run and the provider sees no change; it is regenerated with the
 * password's rotation. Kubernetes Secrets and 1Password keep the cleartext clients need.
 *
 * The PostgreSQL provider (cyrilgdn/terraform-provider-postgresql at ff936b95, the commit
 * @pulumi/postgresql 3.18.1 builds; postgresql/resource_postgresql_role.go) sends the value as a
 * literal (`CREATE ROLE … ENCRYPTED PASSWORD '…'`, `ALTER ROLE … PASSWORD '…'` when it changes),
 * and on refresh, as a superuser, compares a value that starts with `SCRAM-SHA-256` with
 * `pg_shadow.passwd` as it is (readRolePassword): a stable verifier reads back unchanged, and one
 * changed behind the program's back shows as a diff (a cleartext value never did).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { randomProvider } from "../local-providers";
import { SCRAM_SALT_BYTES, scramPasswordProblem, scramSha256Verifier } from "./scram";

export interface RoleVerifierArgs {
    /** The role, for messages. */
    role: string;
    /** The role's cleartext password (a secret). */
    password: pulumi.Input<string>;
    /** The password's rotation: a change generates a new salt too. */
    rotation?: string;
    /** Where the password comes from, for messages (e.g. the 1Password item of an adopted one). */
    source?: string;
}

/**
 * The secret verifier for a role's password. `name` names the salt's `RandomBytes`
 * (`<name>`, e.g. `harbor-db-password-salt`).
 */
export function roleVerifier(
    name: string,
    args: RoleVerifierArgs,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    const salt = new random.RandomBytes(
        name,
        {
            length: SCRAM_SALT_BYTES,
            ...(args.rotation ? { keepers: { rotation: args.rotation } } : {}),
        },
        { parent, provider: randomProvider() },
    );
    return pulumi.secret(
        pulumi.all([args.password, salt.base64]).apply(([password, saltB64]) => {
            const problem = scramPasswordProblem(password);
            if (problem) {
                throw new pulumi.ResourceError(
                    `role "${args.role}"${args.source ? ` (password from ${args.source})` : ""}: ${problem}. ` +
                        "Set an ASCII password there, or rotate it to a generated one " +
                        "(the tenant's passwordRotation in platform:tenants)",
                    parent,
                );
            }
            return scramSha256Verifier(password, Buffer.from(saltB64, "base64"));
        }),
    );
}
