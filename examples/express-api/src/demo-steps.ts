import {
  type AuthorizationServer,
  createDpopKey,
  createDpopProof,
  type DpopKey,
} from '@tokenguard/testing';

/** What a step needs: where things run, and what earlier steps learned. */
export interface DemoContext {
  /** The orders API's base URL. */
  api: string;
  as: AuthorizationServer;
  client: { clientId: string; clientSecret: string };
  /** The access token the client got from the token endpoint (step 1). */
  token?: string;
  /** A second client whose tokens are opaque: the API introspects them. */
  opaqueClient: { clientId: string; clientSecret: string };
  /** The DPoP client's key, its bound token, and the last proof it sent. */
  dpop: { key: DpopKey; token?: string; proof?: string };
}

/** One request and its answer, as the transcript prints them. */
export interface Exchange {
  method: string;
  /** A path on the API, or an absolute URL elsewhere (the token endpoint). */
  target: string;
  requestHeaders: Record<string, string>;
  requestBody?: string;
  status: number;
  statusText: string;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

/** A step of the demo: a real request, and the status (and challenge) it must get. */
export interface DemoStep {
  title: string;
  expected: { status: number; error?: string };
  run(context: DemoContext): Promise<Exchange>;
}

// Response headers worth showing; the rest (Date, ETag, …) is noise here.
const SHOWN = ['www-authenticate', 'location', 'retry-after', 'cache-control', 'dpop-nonce'];

/** Sends a request with fetch and records it. */
export async function exchange(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
  target: string,
): Promise<Exchange> {
  const response = await fetch(url, init);
  const responseHeaders: Record<string, string> = {};
  for (const name of SHOWN) {
    const value = response.headers.get(name);
    if (value !== null) responseHeaders[name] = value;
  }
  return {
    method: init.method,
    target,
    requestHeaders: init.headers ?? {},
    requestBody: init.body,
    status: response.status,
    statusText: response.statusText,
    responseHeaders,
    responseBody: await response.text(),
  };
}

const callApi = (
  context: DemoContext,
  method: 'GET' | 'POST',
  path: string,
  token: string | undefined,
  body?: unknown,
) => {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return exchange(
    `${context.api}${path}`,
    { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
    path,
  );
};

/** client_credentials at the token endpoint, optionally with a DPoP proof (RFC 9449 §5). */
async function requestToken(
  context: DemoContext,
  client: { clientId: string; clientSecret: string },
  scope: string,
  dpopProof?: string,
): Promise<{ exchange: Exchange; token: string | undefined }> {
  const basic = Buffer.from(
    `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`,
  ).toString('base64');
  const headers: Record<string, string> = {
    authorization: `Basic ${basic}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (dpopProof !== undefined) headers.dpop = dpopProof;
  const result = await exchange(
    context.as.tokenEndpoint,
    {
      method: 'POST',
      headers,
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    },
    context.as.tokenEndpoint,
  );
  const token =
    result.status === 200
      ? (JSON.parse(result.responseBody) as { access_token: string }).access_token
      : undefined;
  return { exchange: result, token };
}

/** A DPoP request: `Authorization: DPoP <token>` and a proof for this method and URL. */
async function callWithDpop(context: DemoContext, path: string, proof?: string): Promise<Exchange> {
  const { key, token } = context.dpop;
  if (token === undefined) throw new Error('no DPoP-bound token: the token request failed');
  const dpopProof =
    proof ??
    (await createDpopProof({ key, htm: 'GET', htu: `${context.api}${path}`, accessToken: token }));
  context.dpop.proof = dpopProof;
  return exchange(
    `${context.api}${path}`,
    { method: 'GET', headers: { authorization: `DPoP ${token}`, dpop: dpopProof } },
    path,
  );
}

const tokenOf = (context: DemoContext) => {
  if (context.token === undefined) throw new Error('no token: the token request failed');
  return context.token;
};

/**
 * The demo, in order. Later features (DPoP, introspection) add their steps here.
 */
export const demoSteps: DemoStep[] = [
  {
    title: 'The client gets a token: client_credentials grant, scope orders:read only',
    expected: { status: 200 },
    async run(context) {
      const { clientId, clientSecret } = context.client;
      const basic = Buffer.from(
        `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
      ).toString('base64');
      const result = await exchange(
        context.as.tokenEndpoint,
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${basic}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            scope: 'orders:read',
          }).toString(),
        },
        context.as.tokenEndpoint,
      );
      if (result.status === 200) {
        context.token = (JSON.parse(result.responseBody) as { access_token: string }).access_token;
      }
      return result;
    },
  },
  {
    title: 'A public route needs no token',
    expected: { status: 200 },
    run: (context) => callApi(context, 'GET', '/health', undefined),
  },
  {
    title: 'No token: 401 with a bare challenge, no error, no body',
    expected: { status: 401 },
    run: (context) => callApi(context, 'GET', '/orders', undefined),
  },
  {
    title: 'The token has orders:read: GET /orders is allowed',
    expected: { status: 200 },
    run: (context) => callApi(context, 'GET', '/orders', tokenOf(context)),
  },
  {
    title: 'POST /orders needs orders:write, which the token lacks: 403 insufficient_scope',
    expected: { status: 403, error: 'insufficient_scope' },
    run: (context) =>
      callApi(context, 'POST', '/orders', tokenOf(context), { item: 'cups', quantity: 3 }),
  },
  {
    title: 'An expired token (exp a minute ago): 401 invalid_token',
    expected: { status: 401, error: 'invalid_token' },
    run: async (context) =>
      callApi(
        context,
        'GET',
        '/orders',
        await context.as.mintAccessToken({ scope: 'orders:read' }, { expiresIn: -60 }),
      ),
  },
  {
    title: 'A tampered token (scope widened in the payload, signature kept): 401 invalid_token',
    expected: { status: 401, error: 'invalid_token' },
    run: (context) => {
      const [header, payload, signature] = tokenOf(context).split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      claims.scope = 'orders:read orders:write';
      const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return callApi(context, 'GET', '/orders', `${header}.${forged}.${signature}`);
    },
  },
  {
    title: 'Another client gets an opaque token (not a JWT): the API introspects it (RFC 7662)',
    expected: { status: 200 },
    async run(context) {
      const { token } = await requestToken(context, context.opaqueClient, 'orders:read');
      if (token === undefined) throw new Error('no opaque token: the token request failed');
      return callApi(context, 'GET', '/orders', token);
    },
  },
  {
    title: 'A revoked opaque token: the authorization server says inactive, 401 invalid_token',
    expected: { status: 401, error: 'invalid_token' },
    async run(context) {
      const { token } = await requestToken(context, context.opaqueClient, 'orders:read');
      if (token === undefined) throw new Error('no opaque token: the token request failed');
      context.as.revoke(token);
      return callApi(context, 'GET', '/orders', token);
    },
  },
  {
    title: 'A DPoP client gets a token bound to its key (a DPoP proof on the token request)',
    expected: { status: 200 },
    async run(context) {
      const proof = await createDpopProof({
        key: context.dpop.key,
        htm: 'POST',
        htu: context.as.tokenEndpoint,
      });
      const { exchange: result, token } = await requestToken(
        context,
        context.client,
        'orders:read',
        proof,
      );
      context.dpop.token = token;
      return result;
    },
  },
  {
    title: 'The bound token with a fresh DPoP proof for this request: 200',
    expected: { status: 200 },
    run: (context) => callWithDpop(context, '/orders'),
  },
  {
    title: 'The same proof replayed (a stolen request): 401 invalid_dpop_proof',
    expected: { status: 401, error: 'invalid_dpop_proof' },
    run: (context) => callWithDpop(context, '/orders', context.dpop.proof),
  },
  {
    title: 'The bound token sent as a plain bearer token (no proof): 401 invalid_token',
    expected: { status: 401, error: 'invalid_token' },
    run: (context) => callApi(context, 'GET', '/orders', context.dpop.token),
  },
];

/** A fresh DPoP key for the demo's DPoP client. */
export function newDpopKey(): DpopKey {
  return createDpopKey('ES256');
}

/** The RFC 6750 `error` attribute of a challenge, if any. */
export function challengeError(challenge: string | undefined): string | undefined {
  return challenge?.match(/error="([^"]*)"/)?.[1];
}
