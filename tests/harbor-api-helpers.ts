// What the Harbor provider specs (tests/harbor-api-*.spec.ts) share: one in-process fake Harbor
// API (tests/fake-harbor/) started per file, the providers' inputs against it, and assertion
// helpers.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
    GcScheduleProviderInputs,
    ProjectProviderInputs,
    RetentionProviderInputs,
    RobotProviderInputs,
} from "../components/harbor-api";
import { FakeHarbor } from "./fake-harbor";

type Provider<I, O> = pulumi.dynamic.ResourceProvider<I, O>;

/** Non-optional access to a provider's methods. */
export function ops<I, O>(provider: Provider<I, O>) {
    return {
        check: provider.check!,
        create: provider.create,
        read: provider.read!,
        diff: provider.diff!,
        update: provider.update!,
        delete: provider.delete!,
    };
}

export const fake = new FakeHarbor();

/** Starts the fake for the enclosing describe and resets it before each test. */
export function useFakeHarbor(): void {
    before(async () => {
        await fake.start();
    });
    after(async () => {
        await fake.stop();
    });
    beforeEach(() => {
        fake.reset();
    });
}

export function connection() {
    return {
        apiUrl: fake.apiUrl,
        username: "admin",
        password: "Harbor12345",
        maxAttempts: 4,
        retryBaseDelayMs: 1,
    };
}

export function projectInputs(
    overrides: Partial<ProjectProviderInputs> = {},
): ProjectProviderInputs {
    return {
        ...connection(),
        name: "synergyflow",
        public: false,
        storageQuotaBytes: -1,
        autoScan: true,
        preventVulnerable: true,
        severity: "high",
        cosignEnforced: false,
        ...overrides,
    };
}

export function robotInputs(overrides: Partial<RobotProviderInputs> = {}): RobotProviderInputs {
    return {
        ...connection(),
        project: "synergyflow",
        name: "synergyflow-puller",
        description: "pulls images",
        durationDays: -1,
        access: [{ resource: "repository", action: "pull" }],
        disabled: false,
        rotation: "",
        ...overrides,
    };
}

export function gcInputs(
    overrides: Partial<GcScheduleProviderInputs> = {},
): GcScheduleProviderInputs {
    return {
        ...connection(),
        schedule: "0 0 2 * * *",
        deleteUntagged: false,
        workers: 1,
        ...overrides,
    };
}

export function retentionInputs(
    overrides: Partial<RetentionProviderInputs> = {},
): RetentionProviderInputs {
    return {
        ...connection(),
        project: "synergyflow",
        keepLatest: 10,
        schedule: "0 0 3 * * *",
        tagPattern: "**",
        repositoryPattern: "**",
        includeUntagged: true,
        ...overrides,
    };
}

export async function rejectsWith(
    promise: Promise<unknown>,
    expected: string | RegExp,
): Promise<Error> {
    try {
        await promise;
    } catch (err) {
        assert.ok(err instanceof Error, "expected an Error");
        if (typeof expected === "string") {
            assert.equal(err.message, expected);
        } else {
            assert.match(err.message, expected);
        }
        return err;
    }
    assert.fail(`expected a rejection matching ${String(expected)}`);
}

/** The exact "already exists" error text for an object that `imports` YAML lines adopt. */
export function alreadyExistsMessage(what: string, imports: string[], note?: string): string {
    return (
        `${what} already exists. To adopt it instead of creating it, add it to ` +
        "platform:harborProjects.imports in the stack config (Pulumi.<stack>.yaml; merge it into " +
        "the existing platform:harborProjects block) and run `pulumi up`:\n" +
        "\n" +
        "  platform:harborProjects:\n" +
        "    imports:\n" +
        imports.map((line) => `      ${line}`).join("\n") +
        (note === undefined ? "" : `\n\n${note}`)
    );
}

/**
 * Every path (e.g. "outs.secret") under which `needle` occurs in `value`, in strings or as part of
 * any nested value.
 */
export function pathsContaining(value: unknown, needle: string, at = ""): string[] {
    if (typeof value === "string") {
        return value.includes(needle) ? [at] : [];
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
            pathsContaining(v, needle, at === "" ? key : `${at}.${key}`),
        );
    }
    return [];
}
