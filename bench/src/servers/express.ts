// Express 5: no auth, tokenguard, the hand-rolled floor, jose, and the Express anchors, each
// mounted the way its README shows, in front of the same route. Each server process loads only
// its contender's libraries.
import type { Server } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import {
  dpopFloor,
  handRolledDpop,
  handRolledVerifier,
  type Jwks,
  remembering,
} from '../lib/handrolled.js';
import { bearer, ORDERS, type ServerConfig } from './config.js';

async function middleware(config: ServerConfig): Promise<RequestHandler> {
  const { issuer, audience, jwksUri } = config.as;
  const deny = (res: express.Response) => void res.status(401).end();
  switch (config.contender) {
    case 'none':
      return (_req, _res, next) => next();
    case 'tokenguard':
      return (await import('@tokenguard/express')).requireToken({ issuer, audience });
    case 'tokenguard-dpop':
      return (await import('@tokenguard/express')).requireToken({
        issuer,
        audience,
        dpop: { mode: 'allowed' },
      });
    case 'handrolled': {
      const check = handRolledVerifier(
        (await (await fetch(jwksUri)).json()) as Jwks,
        issuer,
        audience,
      );
      return (req, res, next) => (check(bearer(req.headers.authorization)) ? next() : deny(res));
    }
    case 'jose': {
      const { createRemoteJWKSet, jwtVerify } = await import('jose');
      const keys = createRemoteJWKSet(new URL(jwksUri));
      return (req, res, next) => {
        jwtVerify(bearer(req.headers.authorization), keys, { issuer, audience }).then(
          () => next(),
          () => deny(res),
        );
      };
    }
    case 'express-oauth2-jwt-bearer':
      return (await import('express-oauth2-jwt-bearer')).auth({ issuerBaseURL: issuer, audience });
    case 'express-oauth2-jwt-bearer-dpop':
      return (await import('express-oauth2-jwt-bearer')).auth({
        issuerBaseURL: issuer,
        audience,
        dpop: { enabled: true },
      });
    case 'express-jwt+jwks-rsa': {
      const { expressjwt } = await import('express-jwt');
      const { default: jwksRsa } = await import('jwks-rsa');
      return expressjwt({
        secret: jwksRsa.expressJwtSecret({
          cache: true,
          rateLimit: true,
          jwksRequestsPerMinute: 5,
          jwksUri,
        }) as never,
        audience,
        issuer,
        algorithms: ['RS256'],
      });
    }
    case 'dpop-floor': {
      const check = dpopFloor();
      return (req, res, next) =>
        check(req.headers.dpop as string | undefined) ? next() : deny(res);
    }
    case 'dpop-handrolled': {
      const jwks = (await (await fetch(jwksUri)).json()) as Jwks;
      const check = handRolledDpop(remembering(handRolledVerifier(jwks, issuer, audience)));
      return (req, res, next) =>
        check({
          method: req.method,
          url: `${req.protocol}://${req.host}${req.path}`,
          authorization: req.headers.authorization,
          dpop: req.headers.dpop as string | undefined,
        })
          ? next()
          : deny(res);
    }
    default:
      throw new Error(`no Express contender ${config.contender}`);
  }
}

export async function start(config: ServerConfig): Promise<Server> {
  const app = express();
  app.get('/orders', await middleware(config), (_req, res) => {
    res.json(ORDERS);
  });
  if (config.contender.startsWith('tokenguard')) {
    app.use((await import('@tokenguard/express')).authErrorHandler());
  }
  app.use(((err, _req, res, _next) => {
    res.status((err as { status?: number }).status ?? 500).end();
  }) as ErrorRequestHandler);
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}
