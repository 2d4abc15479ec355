// How the fake Harbor answers on the wire: the `{"errors":[{"code","message"}]}` error shape,
// JSON bodies with an X-Request-Id, and page/page_size pagination with X-Total-Count and Link,
// as Harbor's swagger gives them. An error is thrown as an HttpError by a handler and sent by the
// server as goharbor/harbor v2.15.1 src/lib/http/error.go SendError does: Content-Type
// "application/json; charset=utf-8", the `{"errors":[...]}` line written with Fprintln (a trailing
// newline), and any status of 500 or more sent as code UNKNOWN with the message "internal server
// error" (the cause is only logged). src/lib/errors/errors.go MarshalJSON writes Error() as the
// message, so errors.BadRequestError(cause) reads "bad request: <cause>" and
// PreconditionFailedError(cause) "precondition failed: <cause>". Bodies are encoded as Go's
// encoding/json does (go-openapi's JSON producer and json.Marshal): <, > and & escaped, one line
// ending in a newline.
import type * as http from "node:http";

export const PREFIX = "/api/v2.0";

/** Creation/update time of every object the fake makes. */
export const NOW = "2025-01-01T00:00:00.000Z";

export class HttpError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}

/** The answer to one request. */
export class Reply {
    constructor(
        private readonly res: http.ServerResponse,
        /** The X-Request-Id number, read when the answer is sent. */
        private readonly requestNumber: () => number,
    ) {}

    sendError(status: number, code: string, message: string): void {
        const sent =
            status >= 500
                ? { code: "UNKNOWN", message: "internal server error" }
                : { code, message };
        this.send(
            status,
            { errors: [sent] },
            { "Content-Type": "application/json; charset=utf-8" },
        );
    }

    send(status: number, body?: unknown, headers: Record<string, string> = {}): void {
        const text = body === undefined ? "" : goJson(body);
        this.res.writeHead(status, {
            ...(text === "" ? {} : { "Content-Type": "application/json" }),
            "X-Request-Id": `req-${this.requestNumber()}`,
            ...headers,
        });
        this.res.end(text);
    }

    /** A text/plain body, as go-openapi's text producer writes a string: as it is. */
    sendText(status: number, text: string): void {
        this.res.writeHead(status, {
            "Content-Type": "text/plain",
            "X-Request-Id": `req-${this.requestNumber()}`,
        });
        this.res.end(text);
    }

    sendPage(path: string, query: URLSearchParams, items: unknown[]): void {
        const page = Math.max(1, Number(query.get("page") ?? "1"));
        const pageSize = Math.min(100, Math.max(1, Number(query.get("page_size") ?? "10")));
        const slice = items.slice((page - 1) * pageSize, page * pageSize);
        const links: string[] = [];
        const base = (p: number): string => {
            const q = new URLSearchParams(query);
            q.set("page", String(p));
            q.set("page_size", String(pageSize));
            return `<${PREFIX}${path}?${q.toString()}>`;
        };
        if (page > 1) {
            links.push(`${base(page - 1)}; rel="prev"`);
        }
        if (page * pageSize < items.length) {
            links.push(`${base(page + 1)}; rel="next"`);
        }
        this.send(200, slice, {
            "X-Total-Count": String(items.length),
            ...(links.length > 0 ? { Link: links.join(" , ") } : {}),
        });
    }
}

/** JSON as Go's encoding/json Encoder writes it: HTML-safe escapes and a trailing newline. */
export function goJson(value: unknown): string {
    const escapes: Record<string, string> = {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    };
    return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => escapes[c] ?? c) + "\n";
}
