// After: @tokenguard/express.
import {
  authErrorHandler,
  requireAnyScope,
  requireClaims,
  requireScopes,
  requireToken,
} from '@tokenguard/express';
import express from 'express';

const app = express();

// requireToken() alone reads TOKENGUARD_ISSUER and TOKENGUARD_AUDIENCE from the environment.
app.use(
  requireToken({
    issuer: 'https://example.eu.auth0.com/', // the tokens' `iss`, exactly: Auth0's ends with "/"
    audience: 'https://api.example.com',
    algorithms: ['RS256'],
  }),
);

app.get('/me', (req, res) => {
  res.json({ user: req.auth?.subject, scope: [...(req.auth?.scopes ?? [])] });
});
app.get('/orders', requireScopes('orders:read'), (req, res) => {
  res.json({ orders: [], placedBy: req.auth?.subject });
});
app.delete('/orders/:id', requireAnyScope('orders:admin', 'admin'), (_req, res) => {
  res.sendStatus(204);
});
app.get('/tenants/acme', requireClaims({ tenant: { equals: 'acme' } }), (_req, res) => {
  res.json({ tenant: 'acme' });
});

app.use(authErrorHandler()); // a rejection's status, challenge and RFC 6750 body

app.listen(3000);
