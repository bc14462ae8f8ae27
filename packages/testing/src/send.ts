import { request as httpRequest } from 'node:http';
import type { ConformanceRequest } from './conformance.js';

/** One request over a fresh connection, as the conformance and attack tables send them. */
export function sendRequest(
  url: URL,
  req: ConformanceRequest,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method: req.method, headers: { connection: 'close', ...req.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}
