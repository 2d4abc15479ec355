/**
 * Explicit providers for the packages that compute locally (`random`, `tls`): they need no
 * credentials or cluster, so instead of travelling through every component's Args they are made
 * once per stack, on first use, and passed to each resource. With the default providers of every
 * package disabled (Pulumi.yaml `pulumi:disable-default-providers`), a resource without an explicit
 * provider is an error instead of a silent default.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

const perStack = new WeakMap<object, Map<string, pulumi.ProviderResource>>();
/** Stands for the stack when the runtime has none (a program run outside runInPulumiStack). */
const noStack = {};

function once<T extends pulumi.ProviderResource>(pkg: string, make: () => T): T {
    const key = pulumi.runtime.getStackResource() ?? noStack;
    let providers = perStack.get(key);
    if (!providers) {
        providers = new Map();
        perStack.set(key, providers);
    }
    let p = providers.get(pkg);
    if (!p) {
        p = make();
        providers.set(pkg, p);
    }
    return p as T;
}

/** The stack's `random` provider. */
export function randomProvider(): random.Provider {
    return once("random", () => new random.Provider("random"));
}

/** The stack's `tls` provider. */
export function tlsProvider(): tls.Provider {
    return once("tls", () => new tls.Provider("tls"));
}
