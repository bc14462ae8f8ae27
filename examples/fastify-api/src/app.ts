import { type TokenGuardPluginOptions, tokenGuard } from '@tokenguard/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

/** An order of the example API. */
export interface Order {
  id: string;
  item: string;
  quantity: number;
  /**
   * `request.auth.principalId` of whoever placed it (issuer and subject, or issuer and client),
   * or `null` when the token names neither.
   */
  placedBy: string | null;
}

/** Options of {@link build}. */
export interface BuildOptions {
  /**
   * tokenguard plugin options: the authorization server to trust (`issuer`) and this API's
   * identifier (`audience`). Without them, the plugin reads `TOKENGUARD_ISSUER` and
   * `TOKENGUARD_AUDIENCE` from the environment.
   */
  auth?: TokenGuardPluginOptions;
}

/**
 * The orders API on Fastify: `GET /health` is public, `GET /me` needs any valid token,
 * `GET /orders` the `orders:read` scope, `POST /orders` the `orders:write` scope. Every route is
 * protected (`global: true`); the route `config` says what each needs.
 *
 * @example
 * ```ts
 * const app = await build({ auth: { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' } });
 * await app.listen({ port: 3000 });
 * ```
 */
export async function build(options: BuildOptions = {}): Promise<FastifyInstance> {
  const orders: Order[] = [
    { id: '1001', item: 'espresso beans', quantity: 2, placedBy: 'seed' },
    { id: '1002', item: 'milk frother', quantity: 1, placedBy: 'seed' },
  ];
  const app = Fastify();
  await app.register(tokenGuard, { ...options.auth, global: true });

  app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }));

  app.get('/me', async (request) => {
    const auth = request.auth!;
    return {
      principal: auth.principalId ?? null,
      subject: auth.subject ?? null,
      clientId: auth.clientId ?? null,
      scopes: [...auth.scopes],
      expiresAt: auth.expiresAt?.toISOString() ?? null,
    };
  });

  app.get('/orders', { config: { scopes: ['orders:read'] } }, async () => ({ orders }));

  app.post<{ Body: { item: string; quantity: number } }>(
    '/orders',
    {
      config: { scopes: ['orders:write'] },
      schema: {
        body: {
          type: 'object',
          required: ['item', 'quantity'],
          properties: { item: { type: 'string', minLength: 1 }, quantity: { type: 'integer' } },
        },
      },
    },
    async (request, reply) => {
      const order: Order = {
        id: String(1001 + orders.length),
        item: request.body.item.trim(),
        quantity: request.body.quantity,
        placedBy: request.auth!.principalId ?? null,
      };
      orders.push(order);
      return reply.code(201).header('location', `/orders/${order.id}`).send(order);
    },
  );
  return app;
}
