/**
 * 1Password: the stack's settings (`platform:onepassword`) and the naming rule of item titles,
 * and the helpers: the vault is resolved to its UUID once (passing the vault's name makes the
 * provider replace items on every run), items are written with every value marked secret, and
 * existing items are read field by field with a clear error when a field is missing.
 */
import * as pulumi from "@pulumi/pulumi";
import * as onepassword from "@1password/pulumi-onepassword";
import { z } from "zod";

/** `platform:onepassword`: the vault and the prefix of the item titles this stack writes and reads. */
export const onepasswordSchema = z.strictObject({
    vault: z.string().min(1).default("Infra"),
    /** Prefix of the item titles this stack writes and reads, e.g. `kubernetes/infra`. */
    itemPrefix: z
        .string()
        .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
            error: 'must be a slash-separated path such as "kubernetes/infra"',
        })
        .default("kubernetes/infra"),
});

export type OnePasswordConfig = z.infer<typeof onepasswordSchema>;

/** The item prefix of the production infra stack (the seed's): see itemTitle. */
export const SEED_ITEM_PREFIX = "kubernetes/infra";

/**
 * The one naming rule for the titles of 1Password items this program writes (and of its own
 * items it reads back):
 * - `"/x"` is absolute: `x` (an item outside this stack's prefix, e.g. the infra stack's MinIO
 *   item read by the apps stack);
 * - `atRoot` names are those the seed kept at the vault root (`harbor-core`, `harbor-registry`,
 *   `harbor-robot-<project>`): the name itself on the stack whose prefix is the seed's
 *   `kubernetes/infra`, so production keeps the seed titles, and `<itemPrefix>/<name>` on any
 *   other, so a second stack (e.g. prefix `kubernetes/infra-staging`) never writes production's;
 * - any other name: `<itemPrefix>/<name>`.
 */
export function itemTitle(op: OnePasswordConfig, name: string, atRoot = false): string {
    if (name.startsWith("/")) return name.slice(1);
    if (atRoot && op.itemPrefix === SEED_ITEM_PREFIX) return name;
    return `${op.itemPrefix}/${name}`;
}

/**
 * The 1Password provider a component holds (from its `providers` option or its parent's), for
 * provider function calls made on its behalf: `Resource.getProvider` by package, as a child
 * resource would get it (@pulumi/pulumi 3.270.0 resource.js).
 */
export function onePasswordOf(
    resource: pulumi.Resource | undefined,
): pulumi.ProviderResource | undefined {
    return resource?.getProvider("onepassword:index/getItem:getItem");
}

/** Resolves a vault name to its UUID through the given provider. */
export function vaultUuid(name: string, provider: onepassword.Provider): pulumi.Output<string> {
    return onepassword.getVaultOutput({ name }, { provider }).uuid;
}

/** One field of an item read from 1Password, by label (top-level username/password or a section field). */
function fieldValue(item: onepassword.GetItemResult, label: string): string | undefined {
    if (label === "username" && item.username) return item.username;
    if (label === "password" && item.password) return item.password;
    for (const section of item.sections ?? []) {
        for (const field of section.fields ?? []) {
            if (field.label === label) return field.value;
        }
    }
    return undefined;
}

/**
 * Reads the named fields of an existing item, in the order given, through the given 1Password
 * provider (`onePasswordOf(component)` inside a component). Every value is a secret
 * Output; a missing field
 * fails the deployment with the item title and the labels it has.
 */
export function readItemFields(
    vault: pulumi.Input<string>,
    title: string,
    labels: readonly string[],
    provider: pulumi.ProviderResource | undefined,
): pulumi.Output<string>[] {
    const item = onepassword.getItemOutput({ vault, title }, { provider });
    return labels.map((label) =>
        pulumi.secret(
            item.apply((it) => {
                const value = fieldValue(it, label);
                if (value === undefined || value === "") {
                    throw new Error(
                        `1Password item "${title}" has no field "${label}"; add it in the vault (fields expected: ${labels.join(", ")})`,
                    );
                }
                return value;
            }),
        ),
    );
}

export interface CredentialItemArgs {
    vault: pulumi.Input<string>;
    title: string;
    username: pulumi.Input<string>;
    password: pulumi.Input<string>;
    /** Further fields, by label, written to a section named after `section`. All are stored concealed or as text, and marked secret. */
    fields?: Record<string, pulumi.Input<string>>;
    section?: string;
    /** Labels of `fields` that are secrets (stored CONCEALED). */
    concealed?: readonly string[];
    tags?: string[];
}

/** A login item carrying generated credentials for people and other systems (ESO consumers). */
export function credentialItem(
    name: string,
    args: CredentialItemArgs,
    opts: pulumi.CustomResourceOptions,
): onepassword.Item {
    const fields = Object.entries(args.fields ?? {});
    return new onepassword.Item(
        name,
        {
            vault: args.vault,
            title: args.title,
            category: "login",
            username: pulumi.secret(args.username),
            password: pulumi.secret(args.password),
            tags: args.tags ?? ["managed-by:pulumi", "project:platform"],
            sections:
                fields.length === 0
                    ? undefined
                    : [
                          {
                              label: args.section ?? "details",
                              fields: fields.map(([label, value]) => ({
                                  label,
                                  value: pulumi.secret(value),
                                  type: args.concealed?.includes(label) ? "CONCEALED" : "STRING",
                              })),
                          },
                      ],
        },
        opts,
    );
}
