// After: @tokenguard/express.
import { authErrorHandler, requireToken } from '@tokenguard/express';
import express from 'express';

/** jtis revoked on logout (in production: Redis, shared by every instance). */
const revoked = new Set<string>();

const app = express();
app.use(
  requireToken({
    issuer: 'https://auth.example.com/',
    audience: 'https://api.example.com',
    jwksUri: 'https://auth.example.com/.well-known/jwks.json', // or leave it out: discovered
    algorithms: ['RS256'],
    // Asked on every request, after every other check; true → 401, a throw → 503.
    isRevoked: (auth) => revoked.has(String(auth.claims.jti)),
  }),
);

app.get('/me', (req, res) => {
  // req.auth is the principal; the token's payload is req.auth.claims.
  res.json({ user: req.auth?.subject, tenant: req.auth?.claims.tenant });
});

app.use(authErrorHandler());

app.listen(3000);
