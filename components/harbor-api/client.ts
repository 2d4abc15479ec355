// Minimal Harbor REST API v2.0 client used by the dynamic providers in ./providers.ts.
//
// Dynamic providers are serialized together with everything they capture, so this module only
// depends on Node built-ins (the global `fetch`, `URL`, `Buffer`, `setTimeout`) and keeps no
// module-level state besides constants.

/** Where the Harbor admin credentials live; quoted in 401/403 errors. */
export const HARBOR_CREDENTIALS_HINT =
    'the Harbor admin username and password (1Password item "harbor-core", field "admin_password")';

/** Connection settings shared by every Harbor resource. */
export interface HarborConnection {
    /** Harbor API base URL including the version prefix, e.g. https://harbor.example.com/api/v2.0 */
    apiUrl: string;
    username: string;
    password: string;
    /** Total attempts for 5xx responses and connection errors (default 4). */
    maxAttempts?: number;
    /** First retry delay in milliseconds; doubles on each retry (default 200). */
    retryBaseDelayMs?: number;
    /** Page size used when following paginated list endpoints (default 100, Harbor's maximum). */
    pageSize?: number;
    /** Per-request timeout in milliseconds (default 30000). */
    timeoutMs?: number;
}

export interface HarborErrorDetails {
    method: string;
    url: string;
    /** HTTP status of the last response, or undefined when no response was received. */
    status?: number;
    /** Harbor error code from `{errors:[{code,message}]}`, e.g. CONFLICT. */
    code?: string;
    /** Harbor error message(s), joined. */
    harborMessage?: string;
    attempts: number;
}

/** Error raised for any failed Harbor API call; `status` is the HTTP status when there was one. */
export class HarborApiError extends Error {
    readonly method: string;
    readonly url: string;
    readonly status: number | undefined;
    readonly code: string | undefined;
    readonly harborMessage: string | undefined;
    readonly attempts: number;

    constructor(message: string, details: HarborErrorDetails) {
        super(message);
        this.name = "HarborApiError";
        this.method = details.method;
        this.url = details.url;
        this.status = details.status;
        this.code = details.code;
        this.harborMessage = details.harborMessage;
        this.attempts = details.attempts;
    }
}

export function isHarborStatus(err: unknown, status: number): err is HarborApiError {
    return err instanceof HarborApiError && err.status === status;
}

export interface HarborResponse<T> {
    status: number;
    body: T;
    headers: Headers;
}

export interface RequestOptions {
    body?: unknown;
    query?: Record<string, string | number | boolean | undefined>;
    headers?: Record<string, string>;
}

const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULT_RETRY_BASE_DELAY_MS = 200;
const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_TIMEOUT_MS = 30000;

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseErrors(text: string): { code?: string; message?: string } {
    if (text === "") {
        return {};
    }
    try {
        const parsed = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
        const errors = Array.isArray(parsed.errors) ? parsed.errors : [];
        const codes = errors.map((e) => (typeof e.code === "string" ? e.code : "")).filter(Boolean);
        const messages = errors
            .map((e) => (typeof e.message === "string" ? e.message : ""))
            .filter(Boolean);
        return {
            code: codes.length > 0 ? codes.join(", ") : undefined,
            message: messages.length > 0 ? messages.join("; ") : undefined,
        };
    } catch {
        return { message: text.slice(0, 500) };
    }
}

function describeCause(err: unknown): string {
    if (err instanceof Error) {
        const cause = (err as Error & { cause?: unknown }).cause;
        if (cause instanceof Error && cause.message !== "") {
            return cause.message;
        }
        return err.message;
    }
    return String(err);
}

/**
 * Harbor API client: base URL, basic auth, JSON bodies, retries with exponential backoff for 5xx
 * and connection errors, error mapping and pagination.
 */
export class HarborClient {
    readonly apiUrl: string;
    private readonly authorization: string;
    private readonly maxAttempts: number;
    private readonly retryBaseDelayMs: number;
    private readonly pageSize: number;
    private readonly timeoutMs: number;

    constructor(connection: HarborConnection) {
        if (!connection.apiUrl) {
            throw new Error("Harbor apiUrl is required (e.g. https://harbor.example.com/api/v2.0)");
        }
        this.apiUrl = connection.apiUrl.replace(/\/+$/, "");
        this.authorization =
            "Basic " +
            Buffer.from(`${connection.username}:${connection.password}`).toString("base64");
        this.maxAttempts = Math.max(1, Math.floor(connection.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
        this.retryBaseDelayMs = Math.max(
            0,
            connection.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS,
        );
        this.pageSize = Math.min(100, Math.max(1, connection.pageSize ?? DEFAULT_PAGE_SIZE));
        this.timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    }

    /** Builds the absolute URL for an API path such as `/projects/foo`. */
    url(path: string, query?: RequestOptions["query"]): string {
        const url = new URL(this.apiUrl + (path.startsWith("/") ? path : "/" + path));
        for (const [key, value] of Object.entries(query ?? {})) {
            if (value !== undefined) {
                url.searchParams.set(key, String(value));
            }
        }
        return url.toString();
    }

    async request<T>(
        method: string,
        path: string,
        options: RequestOptions = {},
    ): Promise<HarborResponse<T>> {
        const url = this.url(path, options.query);
        const headers: Record<string, string> = {
            Accept: "application/json",
            Authorization: this.authorization,
            ...options.headers,
        };
        let payload: string | undefined;
        if (options.body !== undefined) {
            headers["Content-Type"] = "application/json";
            payload = JSON.stringify(options.body);
        }

        let lastStatus: number | undefined;
        let lastCode: string | undefined;
        let lastMessage: string | undefined;
        let lastConnectionError: string | undefined;

        for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
            if (attempt > 1) {
                await sleep(this.retryBaseDelayMs * 2 ** (attempt - 2));
            }
            let response: Response;
            let text: string;
            try {
                response = await fetch(url, {
                    method,
                    headers,
                    body: payload,
                    signal: AbortSignal.timeout(this.timeoutMs),
                });
                text = await response.text();
            } catch (err) {
                lastConnectionError = describeCause(err);
                lastStatus = undefined;
                continue;
            }
            lastConnectionError = undefined;

            if (response.status >= 500) {
                const parsed = parseErrors(text);
                lastStatus = response.status;
                lastCode = parsed.code;
                lastMessage = parsed.message;
                continue;
            }
            if (response.status >= 400) {
                const parsed = parseErrors(text);
                throw this.clientError(method, url, response.status, parsed, attempt);
            }
            let body: unknown = undefined;
            if (text !== "") {
                try {
                    body = JSON.parse(text);
                } catch {
                    body = text;
                }
            }
            return { status: response.status, body: body as T, headers: response.headers };
        }

        const details: HarborErrorDetails = {
            method,
            url,
            status: lastStatus,
            code: lastCode,
            harborMessage: lastMessage,
            attempts: this.maxAttempts,
        };
        if (lastConnectionError !== undefined) {
            throw new HarborApiError(
                `Harbor API ${method} ${url} failed after ${this.maxAttempts} attempt(s): ` +
                    `could not connect (${lastConnectionError}). Check that apiUrl ${this.apiUrl} ` +
                    `is correct and reachable.`,
                details,
            );
        }
        const detail = [lastCode, lastMessage].filter(Boolean).join(": ");
        throw new HarborApiError(
            `Harbor API ${method} ${url} failed after ${this.maxAttempts} attempt(s); ` +
                `last status ${String(lastStatus)}${detail ? ` (${detail})` : ""}`,
            details,
        );
    }

    private clientError(
        method: string,
        url: string,
        status: number,
        parsed: { code?: string; message?: string },
        attempts: number,
    ): HarborApiError {
        const detail = [parsed.code, parsed.message].filter(Boolean).join(": ");
        const suffix = detail ? ` (${detail})` : "";
        const details: HarborErrorDetails = {
            method,
            url,
            status,
            code: parsed.code,
            harborMessage: parsed.message,
            attempts,
        };
        if (status === 401) {
            return new HarborApiError(
                `Harbor API ${method} ${url} returned 401 Unauthorized${suffix}. Check ` +
                    `${HARBOR_CREDENTIALS_HINT} and the API URL (apiUrl = ${this.apiUrl}).`,
                details,
            );
        }
        if (status === 403) {
            return new HarborApiError(
                `Harbor API ${method} ${url} returned 403 Forbidden${suffix}. The user lacks ` +
                    `permission: check ${HARBOR_CREDENTIALS_HINT} (the user must be a Harbor ` +
                    `system administrator) and the API URL (apiUrl = ${this.apiUrl}).`,
                details,
            );
        }
        return new HarborApiError(
            `Harbor API ${method} ${url} returned ${status}${suffix}`,
            details,
        );
    }

    async get<T>(path: string, options?: RequestOptions): Promise<T> {
        return (await this.request<T>("GET", path, options)).body;
    }

    /** GET that maps 404 to `undefined`. */
    async getOptional<T>(path: string, options?: RequestOptions): Promise<T | undefined> {
        try {
            return await this.get<T>(path, options);
        } catch (err) {
            if (isHarborStatus(err, 404)) {
                return undefined;
            }
            throw err;
        }
    }

    /** DELETE that treats 404 as success (already gone). */
    async deleteIfExists(path: string, options?: RequestOptions): Promise<void> {
        try {
            await this.request("DELETE", path, options);
        } catch (err) {
            if (!isHarborStatus(err, 404)) {
                throw err;
            }
        }
    }

    /**
     * Follows a paginated list endpoint (`page`/`page_size`, `X-Total-Count`) and returns every
     * item, or stops early once `stop` returns true for an item.
     */
    async listAll<T>(
        path: string,
        query: RequestOptions["query"] = {},
        stop?: (item: T) => boolean,
    ): Promise<T[]> {
        const items: T[] = [];
        for (let page = 1; ; page++) {
            const response = await this.request<T[] | null>("GET", path, {
                query: { ...query, page, page_size: this.pageSize },
            });
            const batch = Array.isArray(response.body) ? response.body : [];
            for (const item of batch) {
                items.push(item);
                if (stop?.(item)) {
                    return items;
                }
            }
            const totalHeader = response.headers.get("x-total-count");
            const total = totalHeader === null ? NaN : Number(totalHeader);
            const done = Number.isFinite(total)
                ? items.length >= total
                : batch.length < this.pageSize;
            if (done || batch.length === 0) {
                return items;
            }
        }
    }

    /** Extracts the trailing path segment of a `Location` header (the new resource's id). */
    static idFromLocation(headers: Headers): string | undefined {
        const location = headers.get("location");
        if (!location) {
            return undefined;
        }
        const segment = location.replace(/\/+$/, "").split("/").pop();
        return segment ? decodeURIComponent(segment) : undefined;
    }
}
