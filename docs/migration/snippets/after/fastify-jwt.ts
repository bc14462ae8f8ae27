// After: @tokenguard/fastify.
import { tokenGuard } from '@tokenguard/fastify';
import Fastify from 'fastify';

const revoked = new Set<string>();
const app = Fastify();

await app.register(tokenGuard, {
  issuer: 'https://auth.example.com/', // keys discovered from its metadata
  audience: 'https://api.example.com',
  algorithms: ['RS256'],
  isRevoked: (auth) => revoked.has(String(auth.claims.jti)),
  global: true, // every route needs a token unless config: { public: true }
});

app.get('/orders', { config: { scopes: ['orders:read'] } }, async (request) => ({
  orders: [],
  placedBy: request.auth?.subject,
}));
app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }));

await app.listen({ port: 3000 });
