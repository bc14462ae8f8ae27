import {
  authErrorHandler,
  type GuardOptions,
  requireScopes,
  requireToken,
} from '@tokenguard/express';
import express, { type ErrorRequestHandler, type Express } from 'express';

/** An order of the example API. */
export interface Order {
  id: string;
  item: string;
  quantity: number;
  /**
   * `req.auth.principalId` of whoever placed it (issuer and subject, or issuer and client),
   * or `null` when the token names neither.
   */
  placedBy: string | null;
}

/** Options of {@link createApp}. */
export interface AppOptions {
  /**
   * tokenguard guard options: the authorization server to trust (`issuer`) and this API's
   * identifier (`audience`). Without them, `requireToken()` reads `TOKENGUARD_ISSUER` and
   * `TOKENGUARD_AUDIENCE` from the environment.
   */
  auth?: GuardOptions;
}

/**
 * The orders API: `GET /health` is public, `GET /me` needs any valid token, `GET /orders` the
 * `orders:read` scope, `POST /orders` the `orders:write` scope.
 *
 * @example
 * ```ts
 * const app = createApp({ auth: { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' } });
 * app.listen(3000);
 * ```
 */
export function createApp(options: AppOptions = {}): Express {
  const orders: Order[] = [
    { id: '1001', item: 'espresso beans', quantity: 2, placedBy: 'seed' },
    { id: '1002', item: 'milk frother', quantity: 1, placedBy: 'seed' },
  ];
  const app = express();
  app.disable('x-powered-by');

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Everything below needs a valid access token; one guard (one key cache) for the whole API.
  app.use(options.auth ? requireToken(options.auth) : requireToken());

  app.get('/me', (req, res) => {
    const auth = req.auth!;
    res.json({
      principal: auth.principalId ?? null,
      subject: auth.subject ?? null,
      clientId: auth.clientId ?? null,
      scopes: [...auth.scopes],
      expiresAt: auth.expiresAt?.toISOString() ?? null,
    });
  });

  app.get('/orders', requireScopes('orders:read'), (_req, res) => {
    res.json({ orders });
  });

  // The body is parsed only once the caller may write: anonymous clients cannot make us parse.
  app.post(
    '/orders',
    requireScopes('orders:write'),
    express.json({ limit: '10kb' }),
    (req, res) => {
      const { item, quantity } = (req.body ?? {}) as { item?: unknown; quantity?: unknown };
      if (typeof item !== 'string' || item.trim() === '' || !Number.isInteger(quantity)) {
        res
          .status(400)
          .json({ error: 'invalid_order', error_description: 'Send { item, quantity }' });
        return;
      }
      const order: Order = {
        id: String(1001 + orders.length),
        item: item.trim(),
        quantity: quantity as number,
        placedBy: req.auth!.principalId ?? null,
      };
      orders.push(order);
      res.status(201).location(`/orders/${order.id}`).json(order);
    },
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  // RFC 6750 answers for tokenguard's errors; everything else is a plain 500 (or the error's own
  // 4xx, such as a malformed JSON body).
  app.use(authErrorHandler());
  const otherErrors: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'bad_request' });
      return;
    }
    console.error(err);
    res.status(500).json({ error: 'server_error' });
  };
  app.use(otherErrors);
  return app;
}
