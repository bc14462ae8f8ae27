import type { AuthorizationServer, RegisteredClient } from '../src/index.js';

/** One `application/x-www-form-urlencoded` component, as RFC 6749 §2.3.1 wants for Basic. */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** An `Authorization: Basic` value the RFC 6749 way: form-urlencode, then base64. */
export function basicAuth(clientId: string, clientSecret: string): string {
  const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/** POSTs a form. */
export function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

/** Introspects `token` as `client` (default: the server's default client), with Basic auth. */
export async function introspect(
  server: AuthorizationServer,
  token: string,
  client: Pick<RegisteredClient, 'clientId' | 'clientSecret'> = server.defaultClient,
): Promise<Record<string, unknown>> {
  const response = await postForm(
    server.introspectionEndpoint,
    { token },
    { authorization: basicAuth(client.clientId, client.clientSecret) },
  );
  if (response.status !== 200) throw new Error(`introspection answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Splits a compact JWS into its decoded header and payload text and its signature part. */
export function parts(token: string): { header: string; payload: string; signature: string } {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return {
    header: Buffer.from(header, 'base64url').toString('utf8'),
    payload: Buffer.from(payload, 'base64url').toString('utf8'),
    signature,
  };
}

/** Seconds since the epoch, as JWT claims count them. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
