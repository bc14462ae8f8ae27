// Fastify 5: no auth, tokenguard, the hand-rolled floors, jose, the Fastify anchors, and the
// introspection contenders, each registered the way its README shows, in front of the same route.
// Each server process loads only its contender's libraries.
import type { Server } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  handRolledDpop,
  handRolledThreadpoolVerifier,
  handRolledVerifier,
  type Jwks,
  remembering,
} from '../lib/handrolled.js';
import { answer, bearer, PATH } from './shared.js';
import type { ServerConfig } from './types.js';

type Subject = (request: FastifyRequest) => unknown;
/** What a contender adds to the route: its options, and where it left the verified subject. */
interface Protection {
  routeOptions?: Record<string, unknown>;
  subject: Subject;
}

// Where the hooks below leave the subject they verified.
const SUB = Symbol('sub');
type Marked = FastifyRequest & { [SUB]?: unknown };
const marked: Subject = (request) => (request as Marked)[SUB];

async function protect(app: FastifyInstance, config: ServerConfig): Promise<Protection> {
  const { issuer, audience, jwksUri, introspectionEndpoint, introspectionClient } = config.as;
  const deny = (reply: FastifyReply) => reply.code(401).send();
  const header = (request: FastifyRequest) => bearer(request.headers.authorization);
  const jwks = async () => (await (await fetch(jwksUri)).json()) as Jwks;
  const mark = (request: FastifyRequest, sub: unknown) => {
    (request as Marked)[SUB] = sub;
  };
  // Introspection floors: one POST per request, as RFC 7662 asks, with client_secret_basic.
  const basic = `Basic ${Buffer.from(`${introspectionClient.clientId}:${introspectionClient.clientSecret}`).toString('base64')}`;
  const form = (token: string) => `token=${encodeURIComponent(token)}&token_type_hint=access_token`;
  const introspectionHeaders = {
    authorization: basic,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const tokenguard = async (options: Record<string, unknown>) => {
    await app.register((await import('@tokenguard/fastify')).tokenGuard, {
      issuer,
      audience,
      global: true,
      ...options,
    });
    return { subject: (request: FastifyRequest) => request.auth?.subject };
  };
  switch (config.contender) {
    case 'none':
      return { subject: () => undefined };
    case 'tokenguard':
      return tokenguard({});
    case 'tokenguard-nocache':
      return tokenguard({ cache: false });
    case 'tokenguard-dpop':
      return tokenguard({ dpop: { mode: 'allowed' } });
    case 'tokenguard-introspection':
      return tokenguard({ introspection: { ...introspectionClient } });
    case 'handrolled': {
      const check = handRolledVerifier(await jwks(), issuer, audience);
      app.addHook('onRequest', async (request, reply) => {
        const claims = check(header(request));
        if (claims === undefined) return deny(reply);
        mark(request, claims.sub);
      });
      return { subject: marked };
    }
    case 'handrolled-threadpool': {
      const check = handRolledThreadpoolVerifier(await jwks(), issuer, audience);
      app.addHook('onRequest', async (request, reply) => {
        const claims = await check(header(request));
        if (claims === undefined) return deny(reply);
        mark(request, claims.sub);
      });
      return { subject: marked };
    }
    case 'dpop-handrolled': {
      const check = handRolledDpop(remembering(handRolledVerifier(await jwks(), issuer, audience)));
      app.addHook('onRequest', async (request, reply) => {
        const claims = check({
          method: request.method,
          url: `${request.protocol}://${request.host}${request.url.split('?')[0]}`,
          authorization: request.headers.authorization,
          dpop: request.headers.dpop as string | undefined,
        });
        if (claims === undefined) return deny(reply);
        mark(request, claims.sub);
      });
      return { subject: marked };
    }
    case 'jose': {
      const { createRemoteJWKSet, jwtVerify } = await import('jose');
      const keys = createRemoteJWKSet(new URL(jwksUri));
      app.addHook('onRequest', async (request, reply) => {
        try {
          mark(request, (await jwtVerify(header(request), keys, { issuer, audience })).payload.sub);
        } catch {
          return deny(reply);
        }
      });
      return { subject: marked };
    }
    case '@fastify/jwt+get-jwks': {
      const { default: fastifyJwt } = await import('@fastify/jwt');
      const { default: buildGetJwks } = await import('get-jwks');
      // get-jwks README: the issuer is the token's `iss`, its keys found through discovery.
      const getJwks = buildGetJwks({ providerDiscovery: true, issuersWhitelist: [issuer] });
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
      app.addHook('onRequest', async (request, reply) => {
        try {
          await request.jwtVerify();
        } catch {
          return deny(reply);
        }
      });
      return {
        // With `decode: { complete: true }` the verified payload is `request.user` itself in
        // @fastify/jwt 10 (the complete form is only what `secret` is handed).
        subject: (request) => {
          const user = request.user as { sub?: unknown; payload?: { sub?: unknown } } | undefined;
          return user?.payload?.sub ?? user?.sub;
        },
      };
    }
    case 'fastify-auth0-verify':
      await app.register((await import('fastify-auth0-verify')).default, {
        domain: config.as.auth0Domain,
        issuer,
        audience,
      } as never);
      return {
        routeOptions: { preValidation: (app as unknown as { authenticate: unknown }).authenticate },
        subject: (request) => (request.user as { sub?: unknown } | undefined)?.sub,
      };
    case 'introspection-undici': {
      const { Agent, request } = await import('undici');
      const agent = new Agent({ keepAliveTimeout: 30_000 });
      app.addHook('onRequest', async (req, reply) => {
        const res = await request(introspectionEndpoint, {
          method: 'POST',
          dispatcher: agent,
          headers: introspectionHeaders,
          body: form(header(req)),
        });
        const body = (await res.body.json()) as { active?: unknown; sub?: unknown };
        if (body.active !== true) return deny(reply);
        mark(req, body.sub);
      });
      return { subject: marked };
    }
    case 'introspection-fetch':
      app.addHook('onRequest', async (req, reply) => {
        const res = await fetch(introspectionEndpoint, {
          method: 'POST',
          headers: introspectionHeaders,
          body: form(header(req)),
        });
        const body = (await res.json()) as { active?: unknown; sub?: unknown };
        if (body.active !== true) return deny(reply);
        mark(req, body.sub);
      });
      return { subject: marked };
    default:
      throw new Error(`no Fastify contender ${config.contender}`);
  }
}

export async function start(config: ServerConfig): Promise<Server> {
  const app = Fastify();
  const { routeOptions = {}, subject } = await protect(app, config);
  app.get(PATH, routeOptions, async (request) => answer(subject(request)));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server;
}
