import { createTokenGuard, type TokenGuard } from '@tokenguard/core';
import {
  type AuthorizationServer,
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  type ConformanceRoute,
  conformanceBody,
  conformanceCases,
  conformanceGuardOptions,
  createAuthorizationServer,
  runConformanceCase,
} from '@tokenguard/testing';
import type { Express, RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authErrorHandler,
  optionalToken,
  protectedResourceMetadata,
  requireAnyScope,
  requireClaims,
  requireScopes,
  requireToken,
} from '../src/index.js';
import { EXPRESS_VERSIONS, listen, type RunningApp } from './helpers.js';

function protect(guard: TokenGuard, route: ConformanceRoute): RequestHandler[] {
  if (route.protection === 'public') return [];
  if (route.protection === 'optional') return [optionalToken(guard)];
  const { outer } = route;
  if (outer === undefined) {
    return [
      requireToken(guard, {
        scopes: route.scopes,
        anyScopes: route.anyScopes,
        claims: route.claims,
      }),
    ];
  }
  // Two levels: the outer one authenticates, the route's own are checked after it.
  const { optional, ...outerRequirements } = outer;
  return [
    optional ? optionalToken(guard, outerRequirements) : requireToken(guard, outerRequirements),
    ...(route.scopes ? [requireScopes(...route.scopes)] : []),
    ...(route.anyScopes ? [requireAnyScope(...route.anyScopes)] : []),
    ...(route.claims ? [requireClaims(route.claims)] : []),
  ];
}

/** The conformance API on Express: one guard shared by every route. */
function conformanceApp(createApp: () => Express, guard: TokenGuard): Express {
  const app = createApp();
  app.use(protectedResourceMetadata(guard, { scopesSupported: CONFORMANCE_SCOPES }));
  for (const route of CONFORMANCE_ROUTES) {
    const handler: RequestHandler = (req, res) => {
      res.status(route.status).json(conformanceBody(route, req.auth));
    };
    if (route.method === 'GET') app.get(route.path, ...protect(guard, route), handler);
    else app.post(route.path, ...protect(guard, route), handler);
  }
  app.use(authErrorHandler());
  return app;
}

describe.each(EXPRESS_VERSIONS)('shared adapter table on %s', (_name, createApp) => {
  let as: AuthorizationServer;
  let guard: TokenGuard;
  let app: RunningApp;

  beforeAll(async () => {
    as = await createAuthorizationServer();
    guard = createTokenGuard(conformanceGuardOptions(as));
    app = await listen(conformanceApp(createApp, guard));
  });

  afterAll(async () => {
    await app?.close();
    await guard?.close();
    await as?.close();
  });

  it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', async (_case, testCase) => {
    const { actual, expected } = await runConformanceCase(testCase, { baseUrl: app.baseUrl, as });
    expect(actual).toEqual(expected);
  });
});
