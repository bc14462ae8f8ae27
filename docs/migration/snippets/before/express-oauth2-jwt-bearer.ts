// Before: express-oauth2-jwt-bearer.
import express from 'express';
import {
  auth,
  claimEquals,
  InsufficientScopeError,
  requiredScopes,
  scopeIncludesAny,
  UnauthorizedError,
} from 'express-oauth2-jwt-bearer';

const app = express();

// auth() alone reads ISSUER_BASE_URL and AUDIENCE from the environment.
app.use(
  auth({
    issuerBaseURL: 'https://example.eu.auth0.com',
    audience: 'https://api.example.com',
    tokenSigningAlg: 'RS256',
  }),
);

app.get('/me', (req, res) => {
  res.json({ user: req.auth?.payload.sub, scope: req.auth?.payload.scope });
});
app.get('/orders', requiredScopes('orders:read'), (req, res) => {
  res.json({ orders: [], placedBy: req.auth?.payload.sub });
});
app.delete('/orders/:id', scopeIncludesAny(['orders:admin', 'admin']), (_req, res) => {
  res.sendStatus(204);
});
app.get('/tenants/acme', claimEquals('tenant', 'acme'), (_req, res) => {
  res.json({ tenant: 'acme' });
});

app.use(
  (err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (err instanceof InsufficientScopeError) {
      res.status(err.status).set(err.headers).json({ message: 'Ask an admin for access' });
    } else if (err instanceof UnauthorizedError) {
      res.status(err.status).set(err.headers).json({ message: err.message });
    } else {
      next(err);
    }
  },
);

app.listen(3000);
