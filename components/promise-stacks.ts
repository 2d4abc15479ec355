/**
 * Cheaper debug stacks for the Pulumi SDK's promises, for `pulumi preview`/`up` and the offline
 * render alike.
 *
 * @pulumi/pulumi 3.270.0 (runtime/debuggable.js, `debuggablePromise`) stores `new Error().stack` on
 * every promise it creates: several per resource input (runtime/rpc.js, `transferProperties`) and
 * per serialized property. It reads them only to report leaked promises, and prints them only when
 * PULUMI_DEBUG_PROMISE_LEAKS is set (runtime/debuggable.js, `leakedPromises`). Reading `.stack`
 * formats the trace through `Error.prepareStackTrace`, which ts-node replaces with
 * @cspotcode/source-map-support's: it clones and source-maps every frame, which at 200 tenants was
 * about 40 % of the program's CPU time.
 *
 * `installCheapPromiseStacks` leaves those traces unformatted (nothing reads them unless
 * PULUMI_DEBUG_PROMISE_LEAKS is set) and passes every other trace to the installed formatter
 * unchanged: errors and the SDK's resource source positions (`Resource.callsites`, whose top frame
 * is not `debuggablePromise`) stay mapped. With PULUMI_DEBUG_PROMISE_LEAKS set it changes nothing,
 * so a leak report shows mapped stacks as before.
 */

const DEBUGGABLE_FILE = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;

export type PrepareStackTrace = (err: Error, frames: NodeJS.CallSite[]) => unknown;

/** What such a promise's `_debugStackTrace` holds instead of a formatted trace. */
export const UNRECORDED_STACK =
    "Error: stack not recorded (set PULUMI_DEBUG_PROMISE_LEAKS=1 to record promise stacks)";

/** True for the trace `debuggablePromise` captures: its own frame is on top. */
export function isPromiseDebugStack(frames: NodeJS.CallSite[]): boolean {
    const top = frames[0];
    if (!top || top.getFunctionName() !== "debuggablePromise") return false;
    return DEBUGGABLE_FILE.test(top.getFileName() ?? "");
}

let installed: PrepareStackTrace | undefined;

/** `Error` with its V8 formatting hook as a plain property (@types/node declares a method). */
export const v8Error = Error as unknown as { prepareStackTrace?: PrepareStackTrace };

/**
 * Wraps the installed `Error.prepareStackTrace` once (see the module comment). Does nothing when
 * no formatter is installed (V8's own is already cheap), when PULUMI_DEBUG_PROMISE_LEAKS is set,
 * or when it is already in place.
 */
export function installCheapPromiseStacks(env: NodeJS.ProcessEnv = process.env): void {
    if (env.PULUMI_DEBUG_PROMISE_LEAKS) return;
    const current = v8Error.prepareStackTrace;
    if (!current || current === installed) return;
    const wrapped: PrepareStackTrace = function (this: unknown, error, frames) {
        return isPromiseDebugStack(frames) ? UNRECORDED_STACK : current.call(this, error, frames);
    };
    installed = wrapped;
    v8Error.prepareStackTrace = wrapped;
    skipPromiseStackCapture();
}

interface DebuggableModule {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
    [patched]?: true;
}
const patched = Symbol("platform.cheapPromiseStacks");

/**
 * Formatting aside, `new Error()` itself walks up to `Error.stackTraceLimit` frames, on every
 * promise (at 200 tenants `debuggablePromise` was still the program's largest own cost). The SDK
 * calls it through its module's exports (`debuggable_1.debuggablePromise(...)`), so this wraps that
 * export to run with a limit of 0 frames and records UNRECORDED_STACK; the id, context and leak
 * tracking it does are unchanged.
 */
function skipPromiseStackCapture(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
    if (mod[patched]) return;
    const original = mod.debuggablePromise.bind(mod);
    mod.debuggablePromise = <T>(p: Promise<T>, ctx: unknown): Promise<T> => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
            void Object.defineProperty(p, "_debugStackTrace", {
                writable: true,
                value: UNRECORDED_STACK,
            });
        }
    };
    mod[patched] = true;
}
