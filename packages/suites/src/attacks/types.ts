// The attack table's types: a case, what it may cause upstream, what a run observed.

import type { AuthorizationServer } from '@tokenguard/testing';
import type { ConformanceRequest } from '../conformance/routes.js';

/** What an attack needs: the authorization server, the API's base URL and a trap URL. */
export interface AttackContext {
  as: AuthorizationServer;
  /**
   * The API under attack. It serves the conformance routes (`GET /me` needs any valid token,
   * `POST /orders` the `orders:write` scope, the composed routes `GET /tenant/admin`,
   * `GET /reports` and `GET /optional/orders` every level of their requirements), protected with
   * {@link attackGuardOptions}.
   */
  baseUrl: string;
  /** A loopback server that counts every request: no token may make the API call it. */
  trapUrl: string;
}

/** An attack's request, and the attacker-chosen strings that must never come back. */
export interface AttackRequest extends ConformanceRequest {
  /** Strings the attacker controls (token, kid, URLs…): never echoed in a header or body. */
  secrets: string[];
}

/** Requests to the authorization server an attack may cause (the API calls nothing else). */
export interface AttackUpstream {
  /** JWKS fetches: an unknown `kid` refetches once (the table's guard has no cooldown). */
  jwks: number;
  /** Introspection calls: a token that is not JWS-shaped is asked about once. */
  introspection: number;
  /** Discovery documents: always 0 (the API discovered the server before the attack). */
  metadata: number;
  /** Token endpoint: always 0. */
  token: number;
}

/** One row of the attack table. */
export interface AttackCase {
  name: string;
  /** Where the attack is described: RFC sections, CVE ids. */
  reference: string;
  /** The status the API must answer with (never 500, never 200 for an attack). */
  status: 400 | 401 | 403;
  /** The requests to the authorization server the attack may cause; omitted members are 0. */
  upstream?: Partial<Pick<AttackUpstream, 'jwks' | 'introspection'>>;
  /**
   * Set when the case shows a known weakness of `@tokenguard/core` that is not fixed yet: the
   * text says what goes wrong. Run such a case as an expected failure (`it.fails`), so that the
   * fix turns it into a failure that asks for this mark to go.
   */
  weakness?: string;
  request(context: AttackContext): Promise<AttackRequest>;
}

/** What an attack run observed. {@link expectedAttackResult} is what it must be. */
export interface AttackResult {
  status: number;
  /** Attacker-controlled strings found in the response headers or body (must be empty). */
  echoed: string[];
  /** Requests the trap server received during the case (must be 0). */
  trapHits: number;
  /** Requests the authorization server received during the attack, per endpoint. */
  upstream: AttackUpstream;
  /**
   * The status of a valid JWT, then (if that was 200) of a valid opaque token, sent right after
   * the attack (must be 200: nothing poisoned, no introspection backoff left behind).
   */
  control: number;
}
