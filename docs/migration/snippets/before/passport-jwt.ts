// Before: passport with passport-jwt and jwks-rsa, on Express.
import express from 'express';
import { passportJwtSecret } from 'jwks-rsa';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy, type VerifiedCallback } from 'passport-jwt';

passport.use(
  new JwtStrategy(
    {
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: passportJwtSecret({
        jwksUri: 'https://auth.example.com/.well-known/jwks.json',
        cache: true,
        rateLimit: true,
      }),
      issuer: 'https://auth.example.com/',
      audience: 'https://api.example.com',
      algorithms: ['RS256'],
    },
    (payload: { sub?: string; scope?: string }, done: VerifiedCallback) => {
      done(null, { id: payload.sub, scopes: payload.scope?.split(' ') ?? [] });
    },
  ),
);

const app = express();
app.use(passport.initialize());

app.get('/orders', passport.authenticate('jwt', { session: false }), (req, res) => {
  const user = req.user as { id: string; scopes: string[] };
  if (!user.scopes.includes('orders:read')) {
    res.sendStatus(403);
    return;
  }
  res.json({ orders: [], placedBy: user.id });
});

app.listen(3000);
