// Fastify 5: no auth, tokenguard, the hand-rolled floor, jose, the Fastify anchors, and the
// introspection contenders, each registered the way its README shows, in front of the same route.
// Each server process loads only its contender's libraries.
import type { Server } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { handRolledVerifier, type Jwks } from '../lib/handrolled.js';
import { bearer, ORDERS, type ServerConfig } from './config.js';

type Hook = {
  onRequest?: (
    request: { headers: Record<string, unknown> },
    reply: FastifyReply,
  ) => Promise<unknown>;
};

/** Registers the contender on `app`; returns route options for contenders that work per route. */
async function protect(
  app: FastifyInstance,
  config: ServerConfig,
): Promise<Record<string, unknown>> {
  const { issuer, audience, jwksUri, introspectionEndpoint, introspectionClient } = config.as;
  const deny = (reply: FastifyReply) => reply.code(401).send();
  const header = (headers: Record<string, unknown>) =>
    bearer(headers.authorization as string | undefined);
  // Introspection floors: one POST per request, as RFC 7662 asks, with client_secret_basic.
  const basic = `Basic ${Buffer.from(`${introspectionClient.clientId}:${introspectionClient.clientSecret}`).toString('base64')}`;
  const form = (token: string) => `token=${encodeURIComponent(token)}&token_type_hint=access_token`;
  const introspectionHeaders = {
    authorization: basic,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  switch (config.contender) {
    case 'none':
      return {};
    case 'tokenguard':
      await app.register((await import('@tokenguard/fastify')).tokenGuard, {
        issuer,
        audience,
        global: true,
      });
      return {};
    case 'tokenguard-nocache':
      await app.register((await import('@tokenguard/fastify')).tokenGuard, {
        issuer,
        audience,
        cache: false,
        global: true,
      });
      return {};
    case 'tokenguard-introspection':
      await app.register((await import('@tokenguard/fastify')).tokenGuard, {
        issuer,
        audience,
        introspection: { ...introspectionClient },
        global: true,
      });
      return {};
    case 'handrolled': {
      const check = handRolledVerifier(
        (await (await fetch(jwksUri)).json()) as Jwks,
        issuer,
        audience,
      );
      app.addHook('onRequest', async (req, reply) => {
        if (check(header(req.headers)) === undefined) return deny(reply);
      });
      return {};
    }
    case 'jose': {
      const { createRemoteJWKSet, jwtVerify } = await import('jose');
      const keys = createRemoteJWKSet(new URL(jwksUri));
      app.addHook('onRequest', async (req, reply) => {
        try {
          await jwtVerify(header(req.headers), keys, { issuer, audience });
        } catch {
          return deny(reply);
        }
      });
      return {};
    }
    case '@fastify/jwt+get-jwks': {
      const { default: fastifyJwt } = await import('@fastify/jwt');
      const { default: buildGetJwks } = await import('get-jwks');
      // get-jwks README: the issuer is the token's `iss`, its keys found through discovery.
      const getJwks = buildGetJwks({
        providerDiscovery: true,
        issuersWhitelist: [issuer],
      });
      await app.register(fastifyJwt, {
        decode: { complete: true },
        secret: (
          _request: unknown,
          token: { header: { kid: string; alg: string }; payload: { iss: string } },
          callback: (e: Error | null, key?: string) => void,
        ) => {
          getJwks
            .getPublicKey({
              kid: token.header.kid,
              domain: token.payload.iss,
              alg: token.header.alg,
            })
            .then((key: string) => callback(null, key), callback);
        },
        verify: { allowedIss: issuer, allowedAud: audience },
      } as never);
      app.addHook('onRequest', async (req, reply) => {
        try {
          await req.jwtVerify();
        } catch {
          return deny(reply);
        }
      });
      return {};
    }
    case 'fastify-auth0-verify':
      await app.register((await import('fastify-auth0-verify')).default, {
        domain: config.as.auth0Domain,
        issuer,
        audience,
      } as never);
      return { preValidation: (app as unknown as { authenticate: unknown }).authenticate };
    case 'introspection-undici': {
      const { Agent, request } = await import('undici');
      const agent = new Agent({ keepAliveTimeout: 30_000 });
      app.addHook('onRequest', async (req, reply) => {
        const res = await request(introspectionEndpoint, {
          method: 'POST',
          dispatcher: agent,
          headers: introspectionHeaders,
          body: form(header(req.headers)),
        });
        if (((await res.body.json()) as { active?: unknown }).active !== true) return deny(reply);
      });
      return {};
    }
    case 'introspection-fetch':
      app.addHook('onRequest', async (req, reply) => {
        const res = await fetch(introspectionEndpoint, {
          method: 'POST',
          headers: introspectionHeaders,
          body: form(header(req.headers)),
        });
        if (((await res.json()) as { active?: unknown }).active !== true) return deny(reply);
      });
      return {};
    default:
      throw new Error(`no Fastify contender ${config.contender}`);
  }
}

export async function start(config: ServerConfig): Promise<Server> {
  const app = Fastify();
  const routeOptions = (await protect(app, config)) as Hook;
  app.get('/orders', routeOptions, async () => ORDERS);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server;
}
