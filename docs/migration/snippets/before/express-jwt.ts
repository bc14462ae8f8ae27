// Before: express-jwt with jwks-rsa.
import express from 'express';
import { expressjwt, type GetVerificationKey, type Request as JWTRequest } from 'express-jwt';
import jwksRsa from 'jwks-rsa';

/** jtis revoked on logout (in production: Redis, shared by every instance). */
const revoked = new Set<string>();

const app = express();
app.use(
  expressjwt({
    secret: jwksRsa.expressJwtSecret({
      jwksUri: 'https://auth.example.com/.well-known/jwks.json',
      cache: true,
      rateLimit: true,
    }) as GetVerificationKey,
    issuer: 'https://auth.example.com/',
    audience: 'https://api.example.com',
    algorithms: ['RS256'],
    isRevoked: async (_req, token) => {
      const payload = token?.payload;
      return typeof payload === 'object' && revoked.has(String(payload.jti));
    },
  }),
);

app.get('/me', (req: JWTRequest, res) => {
  res.json({ user: req.auth?.sub, tenant: req.auth?.tenant });
});

app.use((err: Error, _req: express.Request, res: express.Response, next: express.NextFunction) => {
  if (err.name === 'UnauthorizedError') {
    res.status(401).json({ message: err.message });
  } else {
    next(err);
  }
});

app.listen(3000);
