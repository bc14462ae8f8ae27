import { type AuthRequirements, createTokenGuard, type TokenGuard } from '@tokenguard/core';
import {
  optionalToken,
  protectedResourceMetadata,
  requireAnyScope,
  requireClaims,
  requireScopes,
  requireToken,
  warmUp,
} from '@tokenguard/express';
import {
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  type ConformanceRoute,
  conformanceBody,
  type ModelRequirements,
} from '@tokenguard/suites';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import express4 from 'express4';
import { closeServer, getOverHttp, listening, type ServeLevels, type StartApi } from './api.js';

/** Both supported majors. */
const EXPRESS: Record<4 | 5, () => Express> = { 4: express4, 5: express };

/**
 * Two levels as Express states them: the outer one in a first `requireToken()` (or
 * `optionalToken()`), which authenticates, and the route's own in the `requireScopes()`,
 * `requireAnyScope()` and `requireClaims()` after it.
 */
function levels(
  guard: TokenGuard,
  outer: AuthRequirements & { optional?: boolean },
  own: Pick<ModelRequirements, 'scopes' | 'anyScopes' | 'claims'>,
): RequestHandler[] {
  const { optional, ...requirements } = outer;
  return [
    optional ? optionalToken(guard, requirements) : requireToken(guard, requirements),
    ...(own.scopes ? [requireScopes(...own.scopes)] : []),
    ...(own.anyScopes ? [requireAnyScope(...own.anyScopes)] : []),
    ...(own.claims ? [requireClaims(own.claims)] : []),
  ];
}

function protect(guard: TokenGuard, route: ConformanceRoute): RequestHandler[] {
  if (route.protection === 'public') return [];
  if (route.protection === 'optional') return [optionalToken(guard)];
  const own = { scopes: route.scopes, anyScopes: route.anyScopes, claims: route.claims };
  return route.outer === undefined ? [requireToken(guard, own)] : levels(guard, route.outer, own);
}

/**
 * The conformance API on Express 4 or 5: one guard shared by every route, and no error handler:
 * the middlewares answer rejections themselves. With a `warmUp` option, `warmUp(guard)` runs
 * before the app listens, as the README says. With `cookies: 'cookie-parser'`, `cookie-parser`
 * runs first and the guard reads `req.cookies`; without it core parses the `Cookie` header.
 */
export function expressApi(
  major: 4 | 5,
  { cookies }: { cookies?: 'cookie-parser' } = {},
): StartApi {
  return async (options) => {
    const guard = createTokenGuard(options);
    if (options.warmUp !== undefined) {
      try {
        await warmUp(guard);
      } catch (error) {
        await guard.close();
        throw error;
      }
    }
    const app = EXPRESS[major]();
    if (cookies === 'cookie-parser') app.use(cookieParser());
    // RFC 9728 metadata needs a resource: the conformance guard has one, others may not.
    if (options.resource !== undefined) {
      app.use(protectedResourceMetadata(guard, { scopesSupported: CONFORMANCE_SCOPES }));
    }
    for (const route of CONFORMANCE_ROUTES) {
      const handler: RequestHandler = (req, res) => {
        res.status(route.status).json(conformanceBody(route, req.auth));
      };
      if (route.method === 'GET') app.get(route.path, ...protect(guard, route), handler);
      else app.post(route.path, ...protect(guard, route), handler);
    }
    const server = app.listen(0, '127.0.0.1');
    const baseUrl = await listening(server);
    return {
      baseUrl,
      async close() {
        await closeServer(server);
        await guard.close();
      },
    };
  };
}

/**
 * The composition property's routes on Express 4 or 5: each route's first level in
 * `requireToken()`, its second in the middlewares after it.
 */
export function expressLevels(major: 4 | 5): ServeLevels {
  return async (options, routes) => {
    const guard = createTokenGuard(options);
    const app = EXPRESS[major]();
    const refusals = routes.map(([outer = {}, inner = {}], i) => {
      try {
        app.get(`/r${i}`, ...levels(guard, outer, inner), (_req, res) => {
          res.json({ ok: true });
        });
        return undefined;
      } catch (error) {
        return error;
      }
    });
    const server = app.listen(0, '127.0.0.1');
    const baseUrl = await listening(server);
    return {
      refusals,
      get: (path, token) => getOverHttp(`${baseUrl}${path}`, token),
      async close() {
        await closeServer(server);
        await guard.close();
      },
    };
  };
}
