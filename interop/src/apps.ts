import 'reflect-metadata';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  applyDecorators,
  Controller,
  Get,
  type INestApplication,
  Module,
  Post,
  type Type,
} from '@nestjs/common';
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  AuthError,
  type AuthRequirements,
  composeRequirements,
  createTokenGuard,
  type TokenGuardOptions,
} from '@tokenguard/core';
import {
  authErrorHandler,
  optionalToken,
  requireAnyScope,
  requireClaims,
  requireScopes,
  requireToken,
} from '@tokenguard/express';
import { tokenGuard } from '@tokenguard/fastify';
import {
  AnyScopes,
  Auth,
  type AuthContext,
  Claims,
  OptionalAuth,
  Public,
  Scopes,
  TokenGuardModule,
} from '@tokenguard/nestjs';
import { CONFORMANCE_ROUTES, type ConformanceRoute, conformanceBody } from '@tokenguard/testing';
import express from 'express';
import Fastify from 'fastify';

/** An API on loopback, protected by one adapter. */
export interface RunningApi {
  baseUrl: string;
  close(): Promise<void>;
}

/** Starts the conformance routes, protected by an adapter with these guard options. */
export type StartApi = (options: TokenGuardOptions) => Promise<RunningApi>;

/** A route's own requirements (without its outer level). */
const requirementsOf = (route: ConformanceRoute): AuthRequirements => ({
  scopes: route.scopes,
  anyScopes: route.anyScopes,
  claims: route.claims,
  optional: route.protection === 'optional',
});

/** The smallest adapter: node:http and core. */
const nodeHttp: StartApi = async (options) => {
  const guard = createTokenGuard(options);
  // The outer level, then the route's own, composed by core.
  const requirements = new Map(
    CONFORMANCE_ROUTES.map((r) => [r, composeRequirements(r.outer, requirementsOf(r))] as const),
  );
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = CONFORMANCE_ROUTES.find((r) => r.method === req.method && r.path === path);
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    try {
      const auth =
        route.protection === 'public'
          ? undefined
          : await guard.authenticate(
              {
                method: req.method ?? 'GET',
                get url() {
                  return guard.requestUrl({
                    protocol: 'http',
                    host: req.headers.host,
                    path: req.url ?? '/',
                  });
                },
                headers: req.headers,
                rawHeaders: req.rawHeaders,
              },
              requirements.get(route) ?? {},
            );
      res.writeHead(route.status, { 'content-type': 'application/json', ...auth?.responseHeaders });
      res.end(JSON.stringify(conformanceBody(route, auth)));
    } catch (error) {
      if (!(error instanceof AuthError)) {
        res.writeHead(500).end();
        return;
      }
      const { status, headers, body } = error.toResponse();
      res.writeHead(status, headers).end(body);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await guard.close();
    },
  };
};

/** An outer level as Express states it: `optionalToken()` or `requireToken()` with its requirements. */
function outerMiddleware(
  guard: ReturnType<typeof createTokenGuard>,
  outer: NonNullable<ConformanceRoute['outer']>,
) {
  const { optional, ...requirements } = outer;
  return optional ? optionalToken(guard, requirements) : requireToken(guard, requirements);
}

const expressApi: StartApi = async (options) => {
  const guard = createTokenGuard(options);
  const app = express();
  for (const route of CONFORMANCE_ROUTES) {
    const { optional, ...requirements } = requirementsOf(route);
    const method = route.method === 'GET' ? 'get' : 'post';
    const handlers =
      route.protection === 'public'
        ? []
        : route.outer === undefined
          ? [optional ? optionalToken(guard) : requireToken(guard, requirements)]
          : // Two levels: the outer one authenticates, the route's own are checked after it.
            [
              outerMiddleware(guard, route.outer),
              ...(route.scopes ? [requireScopes(...route.scopes)] : []),
              ...(route.anyScopes ? [requireAnyScope(...route.anyScopes)] : []),
              ...(route.claims ? [requireClaims(route.claims)] : []),
            ];
    app[method](route.path, ...handlers, (req, res) => {
      res.status(route.status).json(conformanceBody(route, req.auth));
    });
  }
  app.use(authErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await guard.close();
    },
  };
};

const fastifyApi: StartApi = async (options) => {
  const app = Fastify();
  await app.register(tokenGuard, { ...options, global: true });
  for (const route of CONFORMANCE_ROUTES) {
    const { optional, ...requirements } = requirementsOf(route);
    const handler = async (
      request: { auth: { subject?: string } | null },
      reply: { code(n: number): unknown },
    ) => {
      reply.code(route.status);
      return conformanceBody(route, request.auth);
    };
    if (route.outer !== undefined) {
      // Two levels: the outer one in the route's config, the route's own in its hook.
      app.route({
        method: route.method,
        url: route.path,
        config: route.outer,
        onRequest: app.requireToken(requirements),
        handler,
      });
      continue;
    }
    app.route({
      method: route.method,
      url: route.path,
      config: { ...requirements, public: route.protection === 'public', optional },
      handler,
    });
  }
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, close: () => app.close() };
};

function route(method: ConformanceRoute['method'], path: string): ConformanceRoute {
  const found = CONFORMANCE_ROUTES.find((r) => r.method === method && r.path === path);
  if (found === undefined) throw new Error(`no conformance route ${method} ${path}`);
  return found;
}
const r = {
  health: route('GET', '/health'),
  me: route('GET', '/me'),
  list: route('GET', '/orders'),
  create: route('POST', '/orders'),
  admin: route('GET', '/admin'),
  tenant: route('GET', '/tenant'),
  optional: route('GET', '/optional'),
  tenantAdmin: route('GET', '/tenant/admin'),
  reports: route('GET', '/reports'),
  optionalOrders: route('GET', '/optional/orders'),
};

@Controller()
class ConformanceController {
  @Public()
  @Get(r.health.path)
  health(@Auth() auth: AuthContext | undefined) {
    return conformanceBody(r.health, auth);
  }
  @Get(r.me.path)
  me(@Auth() auth: AuthContext) {
    return conformanceBody(r.me, auth);
  }
  @Scopes(...(r.list.scopes ?? []))
  @Get(r.list.path)
  list(@Auth() auth: AuthContext) {
    return conformanceBody(r.list, auth);
  }
  @Scopes(...(r.create.scopes ?? []))
  @Post(r.create.path)
  create(@Auth() auth: AuthContext) {
    return conformanceBody(r.create, auth);
  }
  @AnyScopes(...(r.admin.anyScopes ?? []))
  @Get(r.admin.path)
  admin(@Auth() auth: AuthContext) {
    return conformanceBody(r.admin, auth);
  }
  @Claims(r.tenant.claims ?? {})
  @Get(r.tenant.path)
  tenant(@Auth() auth: AuthContext) {
    return conformanceBody(r.tenant, auth);
  }
  @OptionalAuth()
  @Get(r.optional.path)
  optional(@Auth() auth: AuthContext | undefined) {
    return conformanceBody(r.optional, auth);
  }
}

// The composed routes: the route's own requirements on the handler, its outer level on the
// controller (one controller per route: a controller's decorators apply to all its handlers).
class TenantAdminRoutes {
  @Claims(r.tenantAdmin.claims ?? {})
  @Get(r.tenantAdmin.path)
  tenantAdmin(@Auth() auth: AuthContext) {
    return conformanceBody(r.tenantAdmin, auth);
  }
}
class ReportsRoutes {
  @AnyScopes(...(r.reports.anyScopes ?? []))
  @Get(r.reports.path)
  reports(@Auth() auth: AuthContext) {
    return conformanceBody(r.reports, auth);
  }
}
class OptionalOrdersRoutes {
  @Scopes(...(r.optionalOrders.scopes ?? []))
  @Get(r.optionalOrders.path)
  optionalOrders(@Auth() auth: AuthContext) {
    return conformanceBody(r.optionalOrders, auth);
  }
}

function composedController(routes: Type<object>, conformance: ConformanceRoute): Type<unknown> {
  const { outer } = conformance;
  const controller = class extends routes {};
  Object.defineProperty(controller, 'name', { value: `${routes.name}Controller` });
  applyDecorators(
    ...(outer?.claims ? [Claims(outer.claims)] : []),
    ...(outer?.anyScopes ? [AnyScopes(...outer.anyScopes)] : []),
    ...(outer?.optional ? [OptionalAuth()] : []),
    Controller(),
  )(controller);
  return controller;
}

const COMPOSED_CONTROLLERS = [
  composedController(TenantAdminRoutes, r.tenantAdmin),
  composedController(ReportsRoutes, r.reports),
  composedController(OptionalOrdersRoutes, r.optionalOrders),
];

function nestApi(platform: () => AbstractHttpAdapter): StartApi {
  return async (options) => {
    @Module({
      imports: [TokenGuardModule.forRoot({ ...options, global: true })],
      controllers: [ConformanceController, ...COMPOSED_CONTROLLERS],
    })
    class InteropModule {}
    const app: INestApplication = await NestFactory.create(InteropModule, platform(), {
      logger: false,
      abortOnError: false,
    });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    return { baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
  };
}

/** Every adapter, for `describe.each`: its name and how to start the conformance API on it. */
export const ADAPTERS: ReadonlyArray<readonly [string, StartApi]> = [
  ['node:http + core', nodeHttp],
  ['Express', expressApi],
  ['Fastify', fastifyApi],
  ['NestJS on Express', nestApi(() => new ExpressAdapter())],
  ['NestJS on Fastify', nestApi(() => new FastifyAdapter())],
];
