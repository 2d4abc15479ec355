// Waiting for a freshly installed Harbor to answer before the first API call. The Helm release is
// ready once its pods are, but the route, DNS record and certificate at externalURL can take
// minutes more; the API client's own retries (about 1.4 s) are for blips, not for that.
//
// Harbor v2.15.1 answers GET /api/v2.0/ping with 200 "Pong" without authentication
// (src/server/v2.0/handler/ping.go); core only serves once it has migrated its database, so an
// answer means the API can be used.

export interface WaitForHarborOptions {
    /** Give up after this long (milliseconds). */
    timeoutMs: number;
    /** Pause between two attempts (milliseconds, default 10000). */
    intervalMs?: number;
    /** Timeout of one attempt (milliseconds, default 10000). */
    requestTimeoutMs?: number;
    /** Progress, one line per failed attempt and one when Harbor answers after waiting. */
    log: (message: string) => void;
}

function describe(err: unknown): string {
    if (err instanceof Error) {
        const cause = (err as Error & { cause?: unknown }).cause;
        return cause instanceof Error && cause.message !== "" ? cause.message : err.message;
    }
    return String(err);
}

function seconds(ms: number): string {
    return `${Math.round(ms / 1000)} s`;
}

/**
 * Polls `<apiUrl>/ping` until Harbor answers 200, logging each failed attempt; rejects once
 * `timeoutMs` has passed, naming the URL and the last reason.
 */
export async function waitForHarbor(apiUrl: string, options: WaitForHarborOptions): Promise<void> {
    const url = `${apiUrl.replace(/\/+$/, "")}/ping`;
    const interval = options.intervalMs ?? 10000;
    const start = Date.now();
    for (let attempt = 1; ; attempt++) {
        let reason: string;
        try {
            const response = await fetch(url, {
                signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10000),
            });
            await response.text();
            if (response.ok) {
                if (attempt > 1) {
                    options.log(`Harbor answers at ${url} after ${seconds(Date.now() - start)}`);
                }
                return;
            }
            reason = `HTTP ${response.status}`;
        } catch (err) {
            reason = describe(err);
        }
        const elapsed = Date.now() - start;
        if (elapsed + interval > options.timeoutMs) {
            throw new Error(
                `Harbor did not answer GET ${url} within ${seconds(options.timeoutMs)} ` +
                    `(${attempt} attempt${attempt === 1 ? "" : "s"}, last: ${reason}). Check the HTTPRoute, DNS and ` +
                    `certificate of ${new URL(url).host}, or raise platform:harborProjects.apiWaitSeconds`,
            );
        }
        options.log(
            `Waiting for Harbor at ${url}: ${reason} (attempt ${attempt}, ${seconds(elapsed)} of ${seconds(options.timeoutMs)})`,
        );
        await new Promise((resolve) => setTimeout(resolve, interval));
    }
}
