import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the server reads; anything bigger is answered with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** What an endpoint answers: a status, extra headers and a JSON body. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** A JSON body, or */
  body?: Record<string, unknown>;
  /** a raw text body sent as is (its content type in `headers`). */
  raw?: string;
}

/** Thrown by the request helpers; the router turns it into an OAuth error reply. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

/** An RFC 6749 §5.2 error body, never cached. */
export function errorReply(error: RequestError): Reply {
  return {
    status: error.status,
    headers: { 'cache-control': 'no-store', ...error.headers },
    body: { error: error.code, error_description: error.description },
  };
}

/**
 * Reads the whole request body, up to `limit` bytes. A bigger body rejects with a 413
 * `RequestError`; the rest of the upload is drained so that the client gets to read the answer.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let exceeded = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) exceeded = true;
      if (!exceeded) chunks.push(chunk);
    });
    req.on('end', () => (exceeded ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function tooLarge(): RequestError {
  return new RequestError(413, 'invalid_request', 'request body too large', {
    connection: 'close',
  });
}

/**
 * Parses an `application/x-www-form-urlencoded` body. A missing or different content type, or a
 * parameter given twice (RFC 6749 §3.1), is an `invalid_request`.
 */
export function parseForm(req: IncomingMessage, body: Buffer): Map<string, string> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new RequestError(
      400,
      'invalid_request',
      'the request body must be application/x-www-form-urlencoded',
    );
  }
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (form.has(name)) {
      throw new RequestError(400, 'invalid_request', `parameter "${safeName(name)}" is repeated`);
    }
    form.set(name, value);
  }
  return form;
}

// Parameter names come from the client; only echo the ones we know.
function safeName(name: string): string {
  const known = [
    'grant_type',
    'scope',
    'token',
    'token_type_hint',
    'client_id',
    'client_secret',
    'resource',
    'audience',
  ];
  return known.includes(name) ? name : 'unknown';
}

/**
 * Decodes one `application/x-www-form-urlencoded` component: `+` is a space, then percent-decoding.
 * Throws `URIError` on a malformed escape.
 */
export function decodeFormComponent(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** Writes a reply as JSON. Write errors (a client that went away) are ignored. */
export function sendReply(res: ServerResponse, reply: Reply): void {
  if (reply.raw !== undefined) {
    const { 'content-type': type = 'text/plain', ...rest } = reply.headers ?? {};
    sendRaw(res, reply.status, type, reply.raw, rest);
    return;
  }
  sendRaw(res, reply.status, 'application/json', JSON.stringify(reply.body ?? {}), reply.headers);
}

/** Writes a raw body with the given status and content type. */
export function sendRaw(
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.on('error', () => {});
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
