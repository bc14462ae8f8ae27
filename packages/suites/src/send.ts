import { request as httpRequest } from 'node:http';

/** What {@link sendRequest} sends. Header values that are arrays go out as repeated lines. */
export interface SendOptions {
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
}

/** What a client saw. */
export interface SentResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, or `undefined` when it is empty or not JSON. */
  json: unknown;
}

/**
 * One request over a fresh connection (`Connection: close`), with node:http rather than `fetch`,
 * so that the headers go out exactly as given: a `Host` of the test's choosing, repeated
 * `Authorization` or `DPoP` lines, names and values `fetch` would refuse or merge. The one HTTP
 * client of tokenguard's tests: the conformance and attack tables and the adapters' own tests.
 *
 * @example
 * ```ts
 * const reply = await sendRequest(`${baseUrl}/me`, {
 *   headers: { host: 'api.example.test', authorization: [`Bearer ${a}`, `Bearer ${b}`] },
 * });
 * expect(reply.status).toBe(400);
 * ```
 */
export function sendRequest(url: string | URL, options: SendOptions = {}): Promise<SentResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: { connection: 'close', ...options.headers },
        // Never a pooled socket: Node's default agent keeps one alive unless the answer says
        // `Connection: close`, and Bun's server closes without saying so (every other request
        // then failed with "socket hang up").
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
