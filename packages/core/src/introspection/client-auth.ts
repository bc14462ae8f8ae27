import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

/** How tokenguard authenticates to the introspection endpoint (RFC 7662 §2.1). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** A validated client authentication. Internal. */
export interface ClientAuth {
  method: ClientAuthMethod;
  clientId: string;
  clientSecret: string | undefined;
  /** For private_key_jwt. */
  signingKey: KeyObject | undefined;
  signingAlg: string | undefined;
  signingKid: string | undefined;
  /** The `aud` of client assertions. */
  assertionAudience: string | undefined;
}

/**
 * RFC 6749 §2.3.1: the client id and secret are encoded with `application/x-www-form-urlencoded`
 * before they are joined with ":" and base64-encoded. Servers that decode strictly reject a
 * secret with `%`, `+` or `:` sent raw.
 */
export function formEncode(value: string): string {
  // A token or id of unreserved characters (base64url, JWTs, most secrets) is its own encoding.
  if (FORM_SAFE.test(value)) return value;
  return new URLSearchParams([['', value]]).toString().slice(1);
}

const FORM_SAFE = /^[A-Za-z0-9._*-]*$/;

const basicHeaders = new WeakMap<ClientAuth, string>();

/** The `Authorization: Basic` value of a client, encoded once per configuration. */
function basicAuthorization(auth: ClientAuth): string {
  let value = basicHeaders.get(auth);
  if (value === undefined) {
    const credentials = `${formEncode(auth.clientId)}:${formEncode(auth.clientSecret ?? '')}`;
    value = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    basicHeaders.set(auth, value);
  }
  return value;
}

/**
 * Adds the client authentication to an introspection request: an `Authorization: Basic` header,
 * the id and secret in the form, or an RFC 7523 client assertion (signed with `jose`, fresh
 * `jti`, 60-second lifetime).
 */
export async function authenticateClient(
  auth: ClientAuth,
  form: URLSearchParams,
  headers: Record<string, string>,
  endpoint: string,
  nowSeconds: number,
): Promise<void> {
  switch (auth.method) {
    case 'client_secret_basic':
      headers.authorization = basicAuthorization(auth);
      return;
    case 'client_secret_post':
      form.set('client_id', auth.clientId);
      form.set('client_secret', auth.clientSecret ?? '');
      return;
    case 'private_key_jwt': {
      const header: { alg: string; kid?: string; typ: string } = {
        alg: auth.signingAlg as string,
        typ: 'JWT',
      };
      if (auth.signingKid !== undefined) header.kid = auth.signingKid;
      const now = Math.floor(nowSeconds);
      const assertion = await new SignJWT({})
        .setProtectedHeader(header)
        .setIssuer(auth.clientId)
        .setSubject(auth.clientId)
        .setAudience(auth.assertionAudience ?? endpoint)
        .setJti(randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(auth.signingKey as KeyObject);
      form.set('client_id', auth.clientId);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', assertion);
      return;
    }
  }
}

/**
 * The form of an introspection request (`token`, `token_type_hint`, and the client's
 * credentials when they travel in the form), its client authentication added to `headers`. With
 * `client_secret_basic`, the default, it is built without waiting and without a `URLSearchParams`.
 */
export function requestBody(
  auth: ClientAuth,
  token: string,
  headers: Record<string, string>,
  endpoint: string,
  nowSeconds: number,
): string | Promise<string> {
  if (auth.method === 'client_secret_basic') {
    headers.authorization = basicAuthorization(auth);
    return `token=${formEncode(token)}&token_type_hint=access_token`;
  }
  const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
  return authenticateClient(auth, form, headers, endpoint, nowSeconds).then(() => form.toString());
}
