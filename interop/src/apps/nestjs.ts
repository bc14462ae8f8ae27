import 'reflect-metadata';
import fastifyCookie from '@fastify/cookie';
import {
  applyDecorators,
  Controller,
  Get,
  type INestApplication,
  Module,
  Post,
  type Type,
  UseGuards,
} from '@nestjs/common';
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TokenGuardOptions } from '@tokenguard/core';
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
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  type ConformanceRoute,
  conformanceBody,
  type ModelRequirements,
} from '@tokenguard/suites';
import cookieParser from 'cookie-parser';
import { getOverHttp, type ServeLevels, type StartApi } from './api.js';

/** Nest's two HTTP platforms. */
export type NestPlatform = 'express' | 'fastify';

/** How the guard is applied: globally (`APP_GUARD`) or with `@UseGuards(TokenGuard)`. */
export type NestWiring = 'APP_GUARD' | '@UseGuards';

const PLATFORMS: Record<NestPlatform, () => AbstractHttpAdapter> = {
  express: () => new ExpressAdapter(),
  fastify: () => new FastifyAdapter(),
};

function route(method: ConformanceRoute['method'], path: string): ConformanceRoute {
  const found = CONFORMANCE_ROUTES.find((r) => r.method === method && r.path === path);
  if (found === undefined) throw new Error(`no conformance route ${method} ${path}`);
  return found;
}

const health = route('GET', '/health');
const me = route('GET', '/me');
const principal = route('GET', '/principal');
const listOrders = route('GET', '/orders');
const createOrder = route('POST', '/orders');
const admin = route('GET', '/admin');
const tenant = route('GET', '/tenant');
const optional = route('GET', '/optional');

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

  @Get(principal.path)
  principal(@Auth() auth: AuthContext) {
    return conformanceBody(principal, auth);
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

/** With the guard global (APP_GUARD). */
@Controller()
class GlobalGuardController extends ConformanceRoutes {}

/** With `@UseGuards(TokenGuard)` on the controller. */
@UseGuards(TokenGuard)
@Controller()
class UseGuardsController extends ConformanceRoutes {}

/** A level as the decorators that state it: `@Scopes()`, `@AnyScopes()`, `@Claims()`. */
function decorators(
  level: Pick<ModelRequirements, 'scopes' | 'anyScopes' | 'claims'>,
): Array<ClassDecorator & MethodDecorator> {
  return [
    ...(level.scopes ? [Scopes(...level.scopes)] : []),
    ...(level.anyScopes ? [AnyScopes(...level.anyScopes)] : []),
    ...(level.claims ? [Claims(level.claims)] : []),
  ];
}

/**
 * Two levels as Nest states them: a controller with the outer level on the class (`@OptionalAuth()`
 * too when it is optional) and one `GET` handler with the route's own level on it; one controller
 * per route, since a controller's decorators apply to all its handlers.
 */
function levelsController(
  path: string,
  outer: Pick<ModelRequirements, 'scopes' | 'anyScopes' | 'claims'> & { optional?: boolean },
  own: Pick<ModelRequirements, 'scopes' | 'anyScopes' | 'claims'>,
  answer: (auth: AuthContext | undefined) => unknown,
  guarded: boolean,
): Type<unknown> {
  class Routes {
    handle(auth: AuthContext | undefined) {
      return answer(auth);
    }
  }
  Object.defineProperty(Routes, 'name', { value: `Levels${path.replace(/\W/g, '_')}Controller` });
  const descriptor = Object.getOwnPropertyDescriptor(Routes.prototype, 'handle');
  Auth()(Routes.prototype, 'handle', 0);
  applyDecorators(...decorators(own), Get(path))(Routes.prototype, 'handle', descriptor);
  applyDecorators(
    ...decorators(outer),
    ...(outer.optional ? [OptionalAuth()] : []),
    ...(guarded ? [UseGuards(TokenGuard)] : []),
    Controller(),
  )(Routes);
  return Routes;
}

/** The table's routes with two levels, each in a controller of its own. */
const composedControllers = (guarded: boolean): Type<unknown>[] =>
  CONFORMANCE_ROUTES.filter((r) => r.outer !== undefined).map((r) =>
    levelsController(r.path, r.outer ?? {}, r, (auth) => conformanceBody(r, auth), guarded),
  );

async function start(
  platform: NestPlatform,
  module: Type<unknown>,
  cookies = false,
): Promise<{ app: INestApplication; baseUrl: string }> {
  const app = await NestFactory.create(module, PLATFORMS[platform](), {
    logger: false,
    abortOnError: false,
  });
  // Each platform's cookie parser, as its users register it.
  if (cookies && platform === 'express') app.use(cookieParser());
  if (cookies && platform === 'fastify') {
    await (app as NestFastifyApplication).register(fastifyCookie);
  }
  try {
    // With `warmUp: 'fail'`, the module's init rejects when the keys cannot be had.
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}

/**
 * The conformance API on Nest, on either platform, with the guard applied either way. With
 * `cookies: 'parser'`, the platform's cookie parser runs (`cookie-parser` on Express,
 * `@fastify/cookie` on Fastify) and the guard reads `request.cookies`; without it core parses the
 * `Cookie` header.
 */
export function nestApi(
  platform: NestPlatform,
  wiring: NestWiring = 'APP_GUARD',
  { cookies }: { cookies?: 'parser' } = {},
): StartApi {
  return async (options: TokenGuardOptions) => {
    const global = wiring === 'APP_GUARD';
    @Module({
      imports: [
        TokenGuardModule.forRoot({
          ...options,
          // RFC 9728 metadata needs a resource: the conformance guard has one, others may not.
          ...(options.resource !== undefined && {
            metadata: { scopesSupported: CONFORMANCE_SCOPES },
          }),
          global,
        }),
      ],
      controllers: [
        global ? GlobalGuardController : UseGuardsController,
        ...composedControllers(!global),
      ],
    })
    class ConformanceModule {}
    const { app, baseUrl } = await start(platform, ConformanceModule, cookies === 'parser');
    return { baseUrl, close: () => app.close() };
  };
}

/**
 * The composition property's routes on Nest: each route's first level on its controller, its
 * second on the handler, with the module's guard global.
 */
export function nestLevels(platform: NestPlatform): ServeLevels {
  return async (options, routes) => {
    // Decorators cannot state step-up, so every pair of levels composes.
    const refusals = routes.map(() => undefined);
    const controllers = routes.map(([outer = {}, inner = {}], i) =>
      levelsController(`/r${i}`, outer, inner, () => ({ ok: true }), false),
    );
    @Module({
      imports: [TokenGuardModule.forRoot({ ...options, global: true })],
      controllers,
    })
    class CompositionModule {}
    const { app, baseUrl } = await start(platform, CompositionModule);
    return {
      refusals,
      get: (path, token) => getOverHttp(`${baseUrl}${path}`, token),
      close: () => app.close(),
    };
  };
}
