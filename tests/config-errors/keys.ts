/**
 * Keys of other namespaces that look like they configure the program, and secrets in plain config.
 */
import { one, many, at, pg, type Row } from "./rows";

export const KEY_ROWS: Row[] = [
    [
        "kubernetes:context",
        "infra",
        (s) => (s["kubernetes:context"] = "admin@infra"),
        one(
            "<file>:74:3: kubernetes:context: is not read by this program: set platform:kubernetes.context instead",
        ),
    ],
    [
        "kubernetes:namespace",
        "infra",
        (s) => (s["kubernetes:namespace"] = "cnpg-system"),
        one(
            "<file>:74:3: kubernetes:namespace: is not read by this program: set the namespace of each area instead (platform:cnpg.namespace, platform:postgres.namespace, platform:harbor.namespace, platform:applications[].namespace)",
        ),
    ],
    [
        "kubernetes:kubeconfig",
        "apps",
        (s) => (s["kubernetes:kubeconfig"] = "~/.kube/config"),
        one(
            "<file>:26:3: kubernetes:kubeconfig: is not read by this program: set platform:kubeconfig instead (pulumi config set --secret platform:kubeconfig ...)",
        ),
    ],
    [
        "another kubernetes: key",
        "infra",
        (s) => (s["kubernetes:enableServerSideApply"] = "true"),
        one(
            "<file>:74:3: kubernetes:enableServerSideApply: is not read by this program: the program's Kubernetes provider is explicit and ignores kubernetes:* settings; use platform:kubeconfig and platform:kubernetes",
        ),
    ],
    [
        "postgresql:host",
        "infra",
        (s) => (s["postgresql:host"] = "10.25.11.210"),
        one(
            "<file>:74:3: postgresql:host: is not read by this program: the program's PostgreSQL provider is explicit and ignores postgresql:* settings; it connects to platform:postgres.admin (host, port, sslmode) with the superuser password the cluster generates",
        ),
    ],
    [
        "postgresql:password",
        "infra",
        (s) => (s["postgresql:password"] = { secure: "v1:abc" }),
        one(
            "<file>:74:3: postgresql:password: is not read by this program: the program's PostgreSQL provider is explicit and ignores postgresql:* settings; it connects to platform:postgres.admin (host, port, sslmode) with the superuser password the cluster generates",
        ),
    ],
    [
        "onepassword:vault",
        "apps",
        (s) => (s["onepassword:vault"] = "Infra"),
        one(
            "<file>:26:3: onepassword:vault: is not read by this program: the 1Password provider reads only onepassword:url, onepassword:token and onepassword:serviceAccountToken; vault and item prefix are platform:onepassword.vault and platform:onepassword.itemPrefix",
        ),
    ],
    [
        "a kubeconfig in plain text",
        "infra",
        (s) =>
            (s["platform:kubeconfig"] =
                "apiVersion: v1\nclusters: []\nusers:\n- name: admin\n  user:\n    token: abc\n"),
        one(
            '<file>:74:3: platform:kubeconfig: holds a kubeconfig with the cluster\'s credentials in plain text; remove it from the stack file and run: pulumi config set --secret platform:kubeconfig "$(cat <kubeconfig file>)"',
        ),
    ],
    [
        "a 1Password Connect token in plain text",
        "infra",
        (s) => (s["onepassword:token"] = "eyJhbGciOi"),
        one(
            "<file>:74:3: onepassword:token: is a credential in plain text; remove it from the stack file and run: pulumi config set --secret onepassword:token <value>",
        ),
    ],
    [
        "a 1Password service account token in plain text",
        "apps",
        (s) => (s["onepassword:serviceAccountToken"] = "ops_abc"),
        one(
            "<file>:26:3: onepassword:serviceAccountToken: is a credential in plain text; remove it from the stack file and run: pulumi config set --secret onepassword:serviceAccountToken <value>",
        ),
    ],
    [
        "a foreign key and a bad value, the key first",
        "infra",
        (s) => {
            s["kubernetes:context"] = "admin@infra";
            at(pg(s), "storage").size = "0";
        },
        many(
            "<file>:74:3: kubernetes:context: is not read by this program: set platform:kubernetes.context instead",
            '<file>:8:7: platform:postgres.storage.size = "0": must be greater than zero',
        ),
    ],
];
