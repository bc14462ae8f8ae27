import { createHash, randomBytes } from 'node:crypto';
import type { RegisteredClient } from './clients.js';
import { type Reply, RequestError } from './http.js';

/** What an authorization code stands for, until it is redeemed (once) or expires. */
interface Grant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string | undefined;
  resource: string | undefined;
  subject: string;
  expiresAt: number;
}

const CODE_TTL_MS = 60_000;

/**
 * The RFC 8707 `resource` parameter: an absolute URI without a fragment, or `undefined`.
 * Anything else is `invalid_target`.
 */
export function resourceParameter(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RequestError(400, 'invalid_target', 'resource must be an absolute URI');
  }
  if (url.hash !== '' || value.includes('#')) {
    throw new RequestError(400, 'invalid_target', 'resource must not have a fragment');
  }
  return value;
}

/**
 * The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636, `S256` only) and resource
 * indicators (RFC 8707), as a test tool: the authorization endpoint approves at once, as the
 * server's test user, for a registered client and one of its registered redirect URIs, the
 * requested scopes the client is registered for.
 */
export class AuthorizationCodes {
  private readonly grants = new Map<string, Grant>();

  /**
   * `GET /authorize`: a redirect to the client's `redirect_uri` with `code`, `state` and `iss`
   * (RFC 9207). An unknown client or redirect URI is answered here (never redirected to), as
   * RFC 6749 §4.1.2.1 requires; other mistakes are redirected as `error`.
   */
  authorize(
    query: URLSearchParams,
    client: (id: string) => RegisteredClient | undefined,
    context: { issuer: string; subject: string },
  ): Reply {
    const clientId = query.get('client_id') ?? '';
    const registered = client(clientId);
    if (registered === undefined) {
      throw new RequestError(400, 'invalid_request', 'unknown client_id');
    }
    const redirectUri = query.get('redirect_uri') ?? registered.redirectUris?.[0];
    if (redirectUri === undefined || !(registered.redirectUris ?? []).includes(redirectUri)) {
      throw new RequestError(400, 'invalid_request', 'redirect_uri is not registered');
    }
    const back = (params: Record<string, string | undefined>): Reply => {
      const url = new URL(redirectUri);
      for (const [name, value] of Object.entries({
        ...params,
        state: query.get('state') ?? undefined,
        iss: context.issuer,
      })) {
        if (value !== undefined) url.searchParams.set(name, value);
      }
      return { status: 302, headers: { location: url.href, 'cache-control': 'no-store' } };
    };
    if (query.get('response_type') !== 'code') return back({ error: 'unsupported_response_type' });
    const challenge = query.get('code_challenge');
    if (challenge === null || query.get('code_challenge_method') !== 'S256') {
      return back({ error: 'invalid_request', error_description: 'PKCE with S256 is required' });
    }
    // RFC 6749 §3.3: the server may grant fewer scopes than asked for (the token response says
    // which); none of the requested ones is `invalid_scope`.
    const asked = (query.get('scope') ?? '').split(' ').filter(Boolean);
    const requested = asked.filter((s) => registered.scopes.includes(s));
    if (asked.length > 0 && requested.length === 0) return back({ error: 'invalid_scope' });
    let resource: string | undefined;
    try {
      resource = resourceParameter(query.get('resource'));
    } catch {
      return back({ error: 'invalid_target' });
    }
    const code = randomBytes(24).toString('base64url');
    this.grants.set(code, {
      clientId,
      redirectUri,
      codeChallenge: challenge,
      scope: requested.length > 0 ? requested.join(' ') : undefined,
      resource,
      subject: context.subject,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    return back({ code });
  }

  /**
   * Redeems a code at the token endpoint, once: the client, the redirect URI and the PKCE
   * verifier must match. Returns what the access token is issued for.
   */
  redeem(
    form: Map<string, string>,
    client: RegisteredClient,
  ): { subject: string; scope: string | undefined; resource: string | undefined } {
    const code = form.get('code') ?? '';
    const grant = this.grants.get(code);
    this.grants.delete(code);
    const verifier = form.get('code_verifier');
    if (
      grant === undefined ||
      grant.expiresAt < Date.now() ||
      grant.clientId !== client.clientId ||
      grant.redirectUri !== form.get('redirect_uri') ||
      verifier === undefined ||
      createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge
    ) {
      throw new RequestError(400, 'invalid_grant', 'the authorization code is invalid');
    }
    const resource = resourceParameter(form.get('resource')) ?? grant.resource;
    if (grant.resource !== undefined && resource !== grant.resource) {
      throw new RequestError(400, 'invalid_target', 'resource differs from the authorization');
    }
    return { subject: grant.subject, scope: grant.scope, resource };
  }
}
