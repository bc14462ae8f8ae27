// What the attack table's sections share: valid claims, the requests they send, signing helpers.

import {
  type AuthorizationServer,
  createDpopKey,
  createDpopProof,
  type DpopKey,
} from '@tokenguard/testing';
import { sendRequest } from '../send.js';
import type { AttackRequest } from './types.js';

export const now = () => Math.floor(Date.now() / 1000);
export const b64 = (value: string | Buffer | Uint8Array) =>
  Buffer.from(value).toString('base64url');

export function claims(
  as: AuthorizationServer,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: as.issuer,
    aud: as.audience,
    sub: 'attacker',
    client_id: 'attacker-client',
    scope: 'orders:read',
    iat: now(),
    exp: now() + 300,
    jti: `attack-${Math.random().toString(36).slice(2)}`,
    ...extra,
  };
}

export const me = (
  token: string,
  extraSecrets: string[] = [],
  headers: Record<string, string | string[]> = {},
): AttackRequest => ({
  method: 'GET',
  path: '/me',
  headers: { authorization: `Bearer ${token}`, ...headers },
  secrets: [token, ...extraSecrets],
});

export const createOrder = (token: string): AttackRequest => ({
  method: 'POST',
  path: '/orders',
  headers: { authorization: `Bearer ${token}` },
  secrets: [token],
});

/** Signs `payloadJson` (exact text) with the server's current ES256 key. */
export function signedPayload(as: AuthorizationServer, payloadJson: string): Promise<string> {
  return as.signJwt({ header: { alg: 'ES256', typ: 'at+jwt', kid: as.kids.ES256 }, payloadJson });
}

/** Signs a header (exact text or object) over valid claims with the server's key for its kid. */
export function signedHeader(
  as: AuthorizationServer,
  header: Record<string, unknown> | string,
  extraClaims: Record<string, unknown> = {},
): Promise<string> {
  const payload = claims(as, extraClaims);
  return typeof header === 'string'
    ? as.signJwt({ headerJson: header, payload })
    : as.signJwt({ header, payload });
}

export function split(token: string): [string, string, string] {
  return token.split('.') as [string, string, string];
}

/** A DPoP request to `GET /me` with `token` (bound to `key`) and a fresh proof. */
export async function dpopMe(baseUrl: string, key: DpopKey, token: string): Promise<AttackRequest> {
  const proof = await createDpopProof({
    key,
    htm: 'GET',
    htu: `${baseUrl}/me`,
    accessToken: token,
  });
  return {
    method: 'GET',
    path: '/me',
    headers: { authorization: `DPoP ${token}`, dpop: proof },
    secrets: [token, proof],
  };
}

/**
 * A DPoP request the API has accepted once (a fresh key, a token bound to it with `claims`, a
 * proof): what an attacker who captured it would replay.
 */
export async function acceptedDpopRequest(
  as: AuthorizationServer,
  baseUrl: string,
  claims: Record<string, unknown> = {},
): Promise<{ key: DpopKey; token: string; captured: AttackRequest }> {
  const key = createDpopKey();
  const token = await as.mintAccessToken({ ...claims, cnf: { jkt: key.thumbprint } });
  const captured = await dpopMe(baseUrl, key, token);
  const first = await sendRequest(new URL('/me', baseUrl), captured);
  if (first.status !== 200) throw new Error(`the captured proof was not accepted: ${first.status}`);
  return { key, token, captured };
}
