// Express 5: no auth, tokenguard, the hand-rolled floors, jose, and the Express anchors, each
// mounted the way its README shows, in front of the same route. Each server process loads only
// its contender's libraries.
import type { Server } from 'node:http';
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import {
  dpopFloor,
  handRolledDpop,
  handRolledThreadpoolVerifier,
  handRolledVerifier,
  type Jwks,
  remembering,
} from '../lib/handrolled.js';
import { answer, bearer, PATH } from './shared.js';
import type { ServerConfig } from './types.js';

interface Protection {
  handler: RequestHandler;
  /** The subject the contender verified, for the answer. */
  subject(req: Request, res: Response): unknown;
}

const fromLocals = (_req: Request, res: Response) => res.locals.sub;

async function protect(config: ServerConfig): Promise<Protection> {
  const { issuer, audience, jwksUri } = config.as;
  const deny = (res: Response) => void res.status(401).end();
  const jwks = async () => (await (await fetch(jwksUri)).json()) as Jwks;
  switch (config.contender) {
    case 'none':
      return { handler: (_req, _res, next) => next(), subject: () => undefined };
    case 'tokenguard':
      return {
        handler: (await import('@tokenguard/express')).requireToken({ issuer, audience }),
        subject: (req) => req.auth?.subject,
      };
    case 'tokenguard-nocache':
      return {
        handler: (await import('@tokenguard/express')).requireToken({
          issuer,
          audience,
          cache: false,
        }),
        subject: (req) => req.auth?.subject,
      };
    case 'tokenguard-dpop':
      return {
        handler: (await import('@tokenguard/express')).requireToken({
          issuer,
          audience,
          dpop: { mode: 'allowed' },
        }),
        subject: (req) => req.auth?.subject,
      };
    case 'handrolled': {
      const check = handRolledVerifier(await jwks(), issuer, audience);
      return {
        handler: (req, res, next) => {
          const claims = check(bearer(req.headers.authorization));
          if (claims === undefined) return deny(res);
          res.locals.sub = claims.sub;
          next();
        },
        subject: fromLocals,
      };
    }
    case 'handrolled-threadpool': {
      const check = handRolledThreadpoolVerifier(await jwks(), issuer, audience);
      return {
        handler: (req, res, next) => {
          check(bearer(req.headers.authorization)).then((claims) => {
            if (claims === undefined) return deny(res);
            res.locals.sub = claims.sub;
            next();
          }, next);
        },
        subject: fromLocals,
      };
    }
    case 'jose': {
      const { createRemoteJWKSet, jwtVerify } = await import('jose');
      const keys = createRemoteJWKSet(new URL(jwksUri));
      return {
        handler: (req, res, next) => {
          jwtVerify(bearer(req.headers.authorization), keys, { issuer, audience }).then(
            ({ payload }) => {
              res.locals.sub = payload.sub;
              next();
            },
            () => deny(res),
          );
        },
        subject: fromLocals,
      };
    }
    case 'express-oauth2-jwt-bearer':
      // It takes RS*/PS*/ES* and HS*, not EdDSA (its `Algorithm` type); the registry asks for RS256 and ES256.
      if (config.alg === 'EdDSA') throw new Error('express-oauth2-jwt-bearer: no EdDSA');
      return {
        handler: (await import('express-oauth2-jwt-bearer')).auth({
          issuerBaseURL: issuer,
          audience,
          tokenSigningAlg: config.alg as 'RS256' | 'ES256',
        }),
        subject: (req) => (req as { auth?: { payload?: { sub?: unknown } } }).auth?.payload?.sub,
      };
    case 'express-oauth2-jwt-bearer-dpop':
      return {
        handler: (await import('express-oauth2-jwt-bearer')).auth({
          issuerBaseURL: issuer,
          audience,
          dpop: { enabled: true },
        }),
        subject: (req) => (req as { auth?: { payload?: { sub?: unknown } } }).auth?.payload?.sub,
      };
    case 'express-jwt+jwks-rsa': {
      // The registry asks it for RS256 and ES256 only.
      const { expressjwt } = await import('express-jwt');
      const { default: jwksRsa } = await import('jwks-rsa');
      return {
        handler: expressjwt({
          secret: jwksRsa.expressJwtSecret({
            cache: true,
            rateLimit: true,
            jwksRequestsPerMinute: 5,
            jwksUri,
          }) as never,
          audience,
          issuer,
          algorithms: [config.alg as 'RS256' | 'ES256'],
        }),
        subject: (req) => (req as { auth?: { sub?: unknown } }).auth?.sub,
      };
    }
    case 'dpop-floor': {
      const check = dpopFloor();
      return {
        handler: (req, res, next) =>
          check(req.headers.dpop as string | undefined) ? next() : deny(res),
        subject: () => undefined,
      };
    }
    case 'dpop-handrolled': {
      const check = handRolledDpop(remembering(handRolledVerifier(await jwks(), issuer, audience)));
      return {
        handler: (req, res, next) => {
          const claims = check({
            method: req.method,
            url: `${req.protocol}://${req.host}${req.path}`,
            authorization: req.headers.authorization,
            dpop: req.headers.dpop as string | undefined,
          });
          if (claims === undefined) return deny(res);
          res.locals.sub = claims.sub;
          next();
        },
        subject: fromLocals,
      };
    }
    default:
      throw new Error(`no Express contender ${config.contender}`);
  }
}

export async function start(config: ServerConfig): Promise<Server> {
  const app = express();
  const { handler, subject } = await protect(config);
  app.get(PATH, handler, (req, res) => {
    res.json(answer(subject(req, res)));
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
