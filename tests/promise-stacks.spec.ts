import { strict as assert } from "node:assert";
import { installCheapPromiseStacks, UNRECORDED_STACK, v8Error } from "../components/promise-stacks";

// The SDK's internal promise wrapper (@pulumi/pulumi 3.270.0 runtime/debuggable.js): it stores
// `new Error().stack` on every promise as `_debugStackTrace`, printed only with
// PULUMI_DEBUG_PROMISE_LEAKS set (runtime/debuggable.js, leakedPromises).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
};

describe("promise debug stacks", () => {
    before(() => installCheapPromiseStacks({}));

    it("leaves the SDK's per-promise debug stack unformatted", async () => {
        const inner = Promise.resolve(1);
        const p = debuggable.debuggablePromise(inner, "test");
        assert.equal(
            (inner as unknown as { _debugStackTrace: unknown })._debugStackTrace,
            UNRECORDED_STACK,
        );
        assert.equal(await p, 1);
    });

    it("passes every other stack trace to the formatter installed before (ts-node's source maps)", () => {
        const original = v8Error.prepareStackTrace;
        try {
            v8Error.prepareStackTrace = (err: Error) => `formatted ${err.message}`;
            installCheapPromiseStacks({});
            assert.equal(new Error("boom").stack, "formatted boom");
            const inner = Promise.resolve(2);
            void debuggable.debuggablePromise(inner, "test");
            assert.equal(
                (inner as unknown as { _debugStackTrace: unknown })._debugStackTrace,
                UNRECORDED_STACK,
            );
        } finally {
            v8Error.prepareStackTrace = original;
            installCheapPromiseStacks({});
        }
    });

    it("captures no frames for it, restores Error.stackTraceLimit and keeps the SDK's rejection", async () => {
        const seen: number[] = [];
        const original = v8Error.prepareStackTrace;
        const limit = Error.stackTraceLimit;
        try {
            v8Error.prepareStackTrace = (err: Error, frames: NodeJS.CallSite[]) => {
                seen.push(frames.length);
                return String(err);
            };
            installCheapPromiseStacks({});
            const err = new Error("no");
            const p = debuggable.debuggablePromise(Promise.reject(err), "test");
            assert.deepEqual(seen, [0]);
            assert.equal(Error.stackTraceLimit, limit);
            // runtime/debuggable.js: a rejection carries the promise it came from.
            await assert.rejects(p, (e: Error & { promise?: unknown }) => e === err && !!e.promise);
        } finally {
            v8Error.prepareStackTrace = original;
            installCheapPromiseStacks({});
        }
    });

    it("changes nothing when PULUMI_DEBUG_PROMISE_LEAKS is set", () => {
        const before = v8Error.prepareStackTrace;
        installCheapPromiseStacks({ PULUMI_DEBUG_PROMISE_LEAKS: "1" });
        assert.equal(v8Error.prepareStackTrace, before);
    });
});
