/**
 * Kubernetes resource quantities ("500m", "8Gi", "2") parsed to numbers, so that config validation
 * can compare requests with limits before anything reaches the API server.
 */

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

const FACTORS: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** True when `value` is a quantity this project accepts (a decimal number with an optional suffix). */
export function isQuantity(value: string): boolean {
    return QUANTITY.test(value);
}

/** The numeric value of a quantity ("500m" → 0.5, "1Gi" → 1073741824). Throws on a malformed one. */
export function parseQuantity(value: string): number {
    const match = QUANTITY.exec(value);
    if (!match?.[1]) {
        throw new Error(`"${value}" is not a Kubernetes quantity`);
    }
    return Number(match[1]) * (FACTORS[match[2] ?? ""] ?? 1);
}
