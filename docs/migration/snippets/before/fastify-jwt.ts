// Before: @fastify/jwt with get-jwks.
import fastifyJwt from '@fastify/jwt';
import Fastify, { type FastifyRequest } from 'fastify';
import buildGetJwks from 'get-jwks';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; scope?: string; jti?: string };
  }
}

const revoked = new Set<string>();
const getJwks = buildGetJwks();
const app = Fastify();

await app.register(fastifyJwt, {
  decode: { complete: true },
  secret: (_request: FastifyRequest, token: fastifyJwt.TokenOrHeader) => {
    const { header, payload } = token as {
      header: { kid: string; alg: string };
      payload: { iss: string };
    };
    return getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: payload.iss });
  },
  verify: {
    allowedIss: 'https://auth.example.com/',
    allowedAud: 'https://api.example.com',
    algorithms: ['RS256'],
  },
  trusted: (_request, decoded) => !revoked.has(String(decoded.payload?.jti)),
});

app.addHook('onRequest', async (request, reply) => {
  try {
    await request.jwtVerify();
  } catch (err) {
    reply.send(err);
  }
});

app.get('/orders', async (request) => ({ orders: [], placedBy: request.user.sub }));

await app.listen({ port: 3000 });
