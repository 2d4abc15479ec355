/**
 * Timeouts of Harbor's HTTPRoute (`platform:harbor.timeouts`).
 *
 * Without `timeouts` Envoy Gateway gives every route Envoy's default of 15 s for the whole response
 * (envoyproxy/gateway internal/gatewayapi/route.go `HTTPRequestTimeout = "15s"`,
 * internal/xds/translator/route.go `getEffectiveRequestTimeout`), which cuts any image layer that
 * takes longer to pull or to push. Harbor's own nginx allows 900 s between two reads on `/v2/`
 * (goharbor/harbor-helm v1.19.1, as v1.16.4, templates/nginx/configmap-http.yaml, `proxy_read_timeout 900`);
 * Envoy's route timeout caps the whole transfer instead, so the default here is one hour, enough
 * for a multi-GiB layer at modest bandwidth. `"0s"` disables a timeout (Gateway API).
 *
 * `spec.rules[].timeouts` (`request`, `backendRequest`) is in the Standard channel since Gateway API
 * v1.2.0 (experimental in v1.0/v1.1: apis/v1/httproute_types.go `<gateway:experimental>`), so the
 * cluster needs the v1.2.0+ Gateway API CRDs. Envoy Gateway uses `backendRequest` instead of
 * `request` as the route timeout when it is set and the rule has no retry.
 */
import { z } from "zod";
import type { Problem } from "../problems";

/** A Gateway API Duration (GEP-2257; apis/v1/shared_types.go v1.2.0 `Duration` pattern). */
export const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds of a Gateway API Duration (which `GATEWAY_DURATION` accepts). */
export function gatewayDurationMs(d: string): number {
    let total = 0;
    for (const [, n, unit] of d.matchAll(/([0-9]+)(ms|h|m|s)/g))
        total += Number(n) * (UNIT_MS[unit ?? ""] ?? 0);
    return total;
}

const duration = z.string().regex(GATEWAY_DURATION, {
    error: 'must be a Gateway API duration such as "1h", "15m", "90s" or "0s" (no limit)',
});

export const HARBOR_REQUEST_TIMEOUT = "1h";

export const harborTimeoutsSchema = z.strictObject({
    /** The whole request/response through the Gateway. */
    request: duration.default(HARBOR_REQUEST_TIMEOUT),
    /** One attempt from the Gateway to Harbor; at most `request`. Unset: `request` applies. */
    backendRequest: duration.optional(),
});

export type HarborTimeouts = z.output<typeof harborTimeoutsSchema>;

/** The HTTPRoute rule's `timeouts`: only the fields set. */
export function harborRouteTimeouts(t: HarborTimeouts): Record<string, string> {
    return {
        request: t.request,
        ...(t.backendRequest === undefined ? {} : { backendRequest: t.backendRequest }),
    };
}

/**
 * backendRequest must not exceed a non-zero request: the HTTPRouteTimeouts CEL rule of Gateway API
 * v1.2.0 ("backendRequest timeout cannot be longer than request timeout") would refuse the route.
 */
export function harborTimeoutsProblems(t: HarborTimeouts): Problem[] {
    if (t.backendRequest === undefined) return [];
    const req = gatewayDurationMs(t.request);
    if (req === 0 || gatewayDurationMs(t.backendRequest) <= req) return [];
    return [
        {
            key: "harbor.timeouts.backendRequest",
            value: t.backendRequest,
            message: `must not be longer than timeouts.request (${t.request}): the Gateway API rejects such an HTTPRoute`,
        },
    ];
}
