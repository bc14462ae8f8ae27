import {
  applyDecorators,
  Controller,
  Get,
  Module,
  Post,
  type Type,
  UseGuards,
} from '@nestjs/common';
import {
  AnyScopes,
  Auth,
  type AuthContext,
  Claims,
  OptionalAuth,
  Public,
  Scopes,
  TokenGuard,
  TokenGuardModule,
} from '@tokenguard/nestjs';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORMS, type RunningApp, startApp } from './helpers.js';

function route(method: ConformanceRoute['method'], path: string): ConformanceRoute {
  const found = CONFORMANCE_ROUTES.find((r) => r.method === method && r.path === path);
  if (found === undefined) throw new Error(`no conformance route ${method} ${path}`);
  return found;
}

const health = route('GET', '/health');
const me = route('GET', '/me');
const listOrders = route('GET', '/orders');
const createOrder = route('POST', '/orders');
const admin = route('GET', '/admin');
const tenant = route('GET', '/tenant');
const optional = route('GET', '/optional');
const tenantAdmin = route('GET', '/tenant/admin');
const reports = route('GET', '/reports');
const optionalOrders = route('GET', '/optional/orders');

// The conformance API as a user would write it: requirements on the handlers, the values taken
// from the table. POST answers 201, Nest's default for @Post().
class ConformanceRoutes {
  @Public()
  @Get(health.path)
  health(@Auth() auth: AuthContext | undefined) {
    return conformanceBody(health, auth);
  }

  @Get(me.path)
  me(@Auth() auth: AuthContext) {
    return conformanceBody(me, auth);
  }

  @Scopes(...(listOrders.scopes ?? []))
  @Get(listOrders.path)
  listOrders(@Auth() auth: AuthContext) {
    return conformanceBody(listOrders, auth);
  }

  @Scopes(...(createOrder.scopes ?? []))
  @Post(createOrder.path)
  createOrder(@Auth() auth: AuthContext) {
    return conformanceBody(createOrder, auth);
  }

  @AnyScopes(...(admin.anyScopes ?? []))
  @Get(admin.path)
  admin(@Auth() auth: AuthContext) {
    return conformanceBody(admin, auth);
  }

  @Claims(tenant.claims ?? {})
  @Get(tenant.path)
  tenant(@Auth() auth: AuthContext) {
    return conformanceBody(tenant, auth);
  }

  @OptionalAuth()
  @Get(optional.path)
  optional(@Auth() auth: AuthContext | undefined) {
    return conformanceBody(optional, auth);
  }
}

// The composed routes: the route's own requirements on the handler, its outer level on the
// controller (one controller per route, since a controller's decorators apply to all its handlers).
class TenantAdminRoutes {
  @Claims(tenantAdmin.claims ?? {})
  @Get(tenantAdmin.path)
  tenantAdmin(@Auth() auth: AuthContext) {
    return conformanceBody(tenantAdmin, auth);
  }
}

class ReportsRoutes {
  @AnyScopes(...(reports.anyScopes ?? []))
  @Get(reports.path)
  reports(@Auth() auth: AuthContext) {
    return conformanceBody(reports, auth);
  }
}

class OptionalOrdersRoutes {
  @Scopes(...(optionalOrders.scopes ?? []))
  @Get(optionalOrders.path)
  optionalOrders(@Auth() auth: AuthContext) {
    return conformanceBody(optionalOrders, auth);
  }
}

/** A controller serving `routes`, with the route's outer level as controller decorators. */
function composedController(
  routes: Type<unknown>,
  conformance: ConformanceRoute,
  guarded: boolean,
): Type<unknown> {
  const { outer } = conformance;
  const controller = class extends (routes as Type<object>) {};
  Object.defineProperty(controller, 'name', { value: `${routes.name}Controller` });
  applyDecorators(
    ...(outer?.claims ? [Claims(outer.claims)] : []),
    ...(outer?.anyScopes ? [AnyScopes(...outer.anyScopes)] : []),
    ...(outer?.optional ? [OptionalAuth()] : []),
    ...(guarded ? [UseGuards(TokenGuard)] : []),
    Controller(),
  )(controller);
  return controller;
}

const composedControllers = (guarded: boolean): Type<unknown>[] => [
  composedController(TenantAdminRoutes, tenantAdmin, guarded),
  composedController(ReportsRoutes, reports, guarded),
  composedController(OptionalOrdersRoutes, optionalOrders, guarded),
];

/** With the guard global (APP_GUARD). */
@Controller()
class GlobalGuardController extends ConformanceRoutes {}

/** With `@UseGuards(TokenGuard)` on the controller. */
@UseGuards(TokenGuard)
@Controller()
class UseGuardsController extends ConformanceRoutes {}

const WIRINGS = [
  ['global APP_GUARD', GlobalGuardController, true],
  ['@UseGuards(TokenGuard)', UseGuardsController, false],
] as const;

describe.each(PLATFORMS)('shared adapter table on the %s platform', (_platform, adapter) => {
  describe.each(WIRINGS)('with %s', (_wiring, controller, global) => {
    let as: AuthorizationServer;
    let running: RunningApp;

    beforeAll(async () => {
      as = await createAuthorizationServer();
      @Module({
        imports: [
          TokenGuardModule.forRoot({
            ...conformanceGuardOptions(as),
            metadata: { scopesSupported: CONFORMANCE_SCOPES },
            global,
          }),
        ],
        controllers: [controller, ...composedControllers(!global)],
      })
      class ConformanceModule {}
      running = await startApp(adapter, ConformanceModule);
    });

    afterAll(async () => {
      await running?.close();
      await as?.close();
    });

    it.each(conformanceCases().map((c) => [c.name, c] as const))('%s', async (_case, testCase) => {
      const { actual, expected } = await runConformanceCase(testCase, {
        baseUrl: running.baseUrl,
        as,
      });
      expect(actual).toEqual(expected);
    });
  });
});
