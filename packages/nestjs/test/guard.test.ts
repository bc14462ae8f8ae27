import {
  type ArgumentsHost,
  Catch,
  Controller,
  type ExceptionFilter,
  type ExecutionContext,
  Get,
  type HttpException,
  type INestApplication,
  Injectable,
  Module,
  Req,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AuthRequirements } from '@tokenguard/core';
import {
  AnyScopes,
  Auth,
  type AuthContext,
  AuthError,
  Claims,
  isAuthError,
  OptionalAuth,
  Public,
  Scopes,
  TokenGuard,
  TokenGuardModule,
} from '@tokenguard/nestjs';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PLATFORMS, type RunningApp, send, startApp } from './helpers.js';

let as: AuthorizationServer;
beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(() => as?.close());

const running: RunningApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

const scopeChallenge = (scope: string) =>
  `Bearer error="insufficient_scope", error_description="The access token lacks the required scope", scope="${scope}"`;

// Precedence between a controller's decorators and its handlers'.
@Scopes('orders:read')
@Controller('scoped')
class ScopedController {
  @Get('inherit')
  inherit() {
    return 'ok';
  }

  @Scopes('orders:write')
  @Get('add')
  add() {
    return 'ok';
  }

  @Public()
  @Get('public')
  open(@Auth() auth: AuthContext | undefined) {
    return { auth: auth ?? null };
  }
}

@AnyScopes('admin', 'support')
@Claims({ tenant: { equals: 'acme' }, region: { equals: 'eu' } })
@Controller('composed')
class ComposedController {
  @Get('class')
  byClass() {
    return 'ok';
  }

  @AnyScopes('auditor')
  @Claims({ tenant: { oneOf: ['acme', 'globex'] } })
  @Get('handler')
  byHandler() {
    return 'ok';
  }
}

@Public()
@Controller('open')
class PublicController {
  @Get('any')
  any() {
    return 'ok';
  }

  @Scopes('orders:write')
  @Get('scoped')
  scoped() {
    return 'ok';
  }

  @OptionalAuth()
  @Get('optional')
  optional(@Auth('sub') sub: string | undefined) {
    return { sub: sub ?? null };
  }
}

@OptionalAuth()
@Controller('maybe')
class OptionalController {
  @Get('any')
  any(@Auth() auth: AuthContext | undefined) {
    return { subject: auth?.subject ?? null };
  }

  @Scopes('orders:write')
  @Get('scoped')
  scoped() {
    return 'ok';
  }
}

@Controller('context')
class ContextController {
  @Get('claim')
  claim(@Auth('tenant') tenant: unknown, @Auth() auth: AuthContext) {
    return { tenant, principal: auth.principalId };
  }

  @Get('req')
  req(@Req() request: { auth?: AuthContext }) {
    return { subject: request.auth?.subject };
  }
}

const GUARD_OPTIONS = () => ({ issuer: as.issuer, audience: as.audience });

describe.each(PLATFORMS)('TokenGuard on the %s platform', (_name, platform) => {
  let app: RunningApp;

  beforeAll(async () => {
    @Module({
      imports: [
        TokenGuardModule.forRoot({
          ...GUARD_OPTIONS(),
          tokenLocations: ['header', 'query'],
          global: true,
        }),
      ],
      controllers: [
        ScopedController,
        ComposedController,
        PublicController,
        OptionalController,
        ContextController,
      ],
    })
    class AppModule {}
    app = await startApp(platform, AppModule, (nest) =>
      nest.enableCors({ origin: true, exposedHeaders: ['X-Request-Id'] }),
    );
  });
  afterAll(() => app?.close());

  const get = async (path: string, claims?: Record<string, unknown>) =>
    send(`${app.baseUrl}${path}`, {
      headers: claims === undefined ? {} : bearer(await as.mintAccessToken(claims)),
    });

  it('adds the handler scopes to the controller scopes', async () => {
    expect((await get('/scoped/inherit', { scope: 'orders:read' })).status).toBe(200);
    const missing = await get('/scoped/add', { scope: 'orders:write' });
    expect(missing.status).toBe(403);
    expect(missing.headers['www-authenticate']).toBe(scopeChallenge('orders:read orders:write'));
    expect((await get('/scoped/add', { scope: 'orders:read orders:write' })).status).toBe(200);
  });

  it('lets a handler @Public() win over controller scopes', async () => {
    const reply = await get('/scoped/public');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ auth: null });
  });

  it("adds a handler's @AnyScopes() and @Claims() to the controller's, never replacing them", async () => {
    const acme = { scope: 'admin', tenant: 'acme', region: 'eu' };
    expect((await get('/composed/class', acme)).status).toBe(200);
    expect((await get('/composed/class', { ...acme, region: 'us' })).status).toBe(403);

    // Each @AnyScopes() list is its own "one of" group; the 403 names the group that failed.
    const noAuditor = await get('/composed/handler', acme);
    expect(noAuditor.status).toBe(403);
    expect(noAuditor.headers['www-authenticate']).toBe(scopeChallenge('auditor'));
    const auditorOnly = await get('/composed/handler', { ...acme, scope: 'auditor' });
    expect(auditorOnly.status).toBe(403);
    expect(auditorOnly.headers['www-authenticate']).toBe(scopeChallenge('admin support'));
    const both = { ...acme, scope: 'support auditor' };
    expect((await get('/composed/handler', both)).status).toBe(200);
    // Every claim rule holds: the handler's rule for tenant does not replace the controller's.
    expect((await get('/composed/handler', { ...both, tenant: 'globex' })).status).toBe(403);
    expect((await get('/composed/handler', { ...both, region: 'us' })).status).toBe(403);
  });

  it('keeps a handler with its own requirements protected in a @Public() controller', async () => {
    expect((await get('/open/any')).status).toBe(200);
    expect((await get('/open/scoped')).status).toBe(401);
    expect((await get('/open/scoped', { scope: 'orders:read' })).status).toBe(403);
    expect((await get('/open/scoped', { scope: 'orders:write' })).status).toBe(200);
    // A handler's @OptionalAuth() wins over the controller's @Public(): a token is read.
    expect((await get('/open/optional')).json).toEqual({ sub: null });
    expect((await get('/open/optional', { sub: 'alice' })).json).toEqual({ sub: 'alice' });
    const bad = await send(`${app.baseUrl}/open/optional`, { headers: bearer('x.y.z') });
    expect(bad.status).toBe(401);
  });

  it('applies a controller @OptionalAuth() to handlers without requirements only', async () => {
    expect((await get('/maybe/any')).json).toEqual({ subject: null });
    expect((await get('/maybe/any', { sub: 'bob' })).json).toEqual({ subject: 'bob' });
    expect((await get('/maybe/scoped')).status).toBe(401);
  });

  it('injects one claim with @Auth(claim) and sets req.auth', async () => {
    const claim = await get('/context/claim', { tenant: 'acme' });
    expect(claim.json).toEqual({ tenant: 'acme', principal: `${as.issuer}|user-123` });
    expect((await get('/context/req', { sub: 'carol' })).json).toEqual({ subject: 'carol' });
  });

  it("adds core's response headers on success (a query token: Cache-Control: private)", async () => {
    const token = await as.mintAccessToken();
    const reply = await send(`${app.baseUrl}/context/req?access_token=${token}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['cache-control']).toBe('private');
  });

  it('merges Access-Control-Expose-Headers with the CORS configuration', async () => {
    const reply = await send(`${app.baseUrl}/context/req`, {
      headers: { origin: 'https://app.example.com' },
    });
    expect(reply.status).toBe(401);
    expect(reply.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(reply.headers['access-control-expose-headers']).toBe('X-Request-Id, WWW-Authenticate');
  });
});

describe.each(PLATFORMS)('DPoP and the public URL on the %s platform', (name, platform) => {
  @Controller()
  class DpopController {
    @Get('me')
    me(@Auth() auth: AuthContext) {
      return { scheme: auth.scheme };
    }
  }

  async function dpopApp(trustProxy: boolean): Promise<RunningApp> {
    @Module({
      imports: [TokenGuardModule.forRoot({ ...GUARD_OPTIONS(), dpop: {}, global: true })],
      controllers: [DpopController],
    })
    class AppModule {}
    const adapter =
      name === 'Fastify' ? () => new FastifyAdapter({ trustProxy }) : (platform as () => never);
    const started = await startApp(adapter, AppModule, (nest) => {
      if (name === 'Express') {
        (nest.getHttpAdapter().getInstance() as { set(k: string, v: unknown): void }).set(
          'trust proxy',
          trustProxy,
        );
      }
    });
    running.push(started);
    return started;
  }

  async function call(app: RunningApp, htu: string, headers: Record<string, string> = {}) {
    const key = createDpopKey();
    const token = await as.mintAccessToken({ cnf: { jkt: key.thumbprint } });
    const proof = await createDpopProof({ key, htm: 'GET', htu, accessToken: token });
    return send(`${app.baseUrl}/me`, {
      headers: { authorization: `DPoP ${token}`, dpop: proof, ...headers },
    });
  }

  it('checks htu against the URL the client addressed', async () => {
    const app = await dpopApp(false);
    const ok = await call(app, `${app.baseUrl}/me?page=2`);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ scheme: 'DPoP' });
    const elsewhere = await call(app, 'https://api.example.com/me');
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.json).toMatchObject({ error: 'invalid_dpop_proof' });
  });

  it('authenticates once when two TokenGuards run (a DPoP proof is single-use)', async () => {
    @UseGuards(TokenGuard)
    @Controller('twice')
    class TwiceController {
      @Scopes('orders:write')
      @Get()
      twice(@Auth() auth: AuthContext) {
        return { scheme: auth.scheme };
      }
    }
    @Module({
      imports: [TokenGuardModule.forRoot({ ...GUARD_OPTIONS(), dpop: {}, global: true })],
      controllers: [TwiceController],
    })
    class AppModule {}
    const app = await startApp(platform, AppModule);
    running.push(app);
    const key = createDpopKey();
    const request = async (scope: string) => {
      const token = await as.mintAccessToken({ scope, cnf: { jkt: key.thumbprint } });
      const htu = `${app.baseUrl}/twice`;
      const proof = await createDpopProof({ key, htm: 'GET', htu, accessToken: token });
      return send(htu, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    };
    const ok = await request('orders:write');
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ scheme: 'DPoP' });
    // The controller's guard checks its scopes on the principal the global one verified.
    const forbidden = await request('orders:read');
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['www-authenticate']).toMatch(
      /^Bearer, DPoP error="insufficient_scope", .*scope="orders:write", algs="/,
    );
  });

  it('reads X-Forwarded-Proto and X-Forwarded-Host only from a trusted proxy', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };
    const untrusted = await dpopApp(false);
    expect((await call(untrusted, 'https://api.example.com/me', forwarded)).status).toBe(401);
    const trusted = await dpopApp(true);
    expect((await call(trusted, 'https://api.example.com/me', forwarded)).status).toBe(200);
  });
});

describe.each(PLATFORMS)("users' exception filters on the %s platform", (_name, platform) => {
  @UseGuards(TokenGuard)
  @Controller()
  class MeController {
    @Get('me')
    me() {
      return 'ok';
    }
  }

  const seen: unknown[] = [];

  @Catch(UnauthorizedException)
  class UnauthorizedFilter implements ExceptionFilter {
    catch(exception: UnauthorizedException, host: ArgumentsHost) {
      seen.push(exception);
      const cause = exception.cause;
      const code = isAuthError(cause) ? cause.code : 'other';
      const response = host.switchToHttp().getResponse<{
        status?(code: number): { json(body: unknown): void };
        code?(code: number): { send(body: unknown): void };
      }>();
      const body = { problem: code };
      if (response.code) response.code(401).send(body);
      else response.status!(401).json(body);
    }
  }

  @Catch()
  class LoggingFilter extends BaseExceptionFilter {
    override catch(exception: unknown, host: ArgumentsHost) {
      seen.push(exception);
      super.catch(exception, host);
    }
  }

  async function withFilter(
    filter: (nest: INestApplication) => ExceptionFilter,
  ): Promise<RunningApp> {
    @Module({
      imports: [TokenGuardModule.forRoot(GUARD_OPTIONS())],
      controllers: [MeController],
    })
    class AppModule {}
    const started = await startApp(platform, AppModule, (nest) =>
      nest.useGlobalFilters(filter(nest)),
    );
    running.push(started);
    return started;
  }

  afterEach(() => {
    seen.length = 0;
  });

  it('see the exception of the status with the AuthError as its cause', async () => {
    const app = await withFilter(() => new UnauthorizedFilter());
    const reply = await send(`${app.baseUrl}/me`);
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ problem: 'missing_token' });
    // The guard set the challenge on the response before throwing.
    expect(reply.headers['www-authenticate']).toBe('Bearer');
    const exception = seen[0] as HttpException;
    expect(exception).toBeInstanceOf(UnauthorizedException);
    expect(exception.cause).toBeInstanceOf(AuthError);
    expect((exception.cause as AuthError).reason).toBe('request.no_credentials');
  });

  it('render the RFC 6750 answer unchanged through BaseExceptionFilter', async () => {
    const app = await withFilter((nest) => new LoggingFilter(nest.getHttpAdapter()));
    const bare = await send(`${app.baseUrl}/me`);
    expect([bare.status, bare.headers['www-authenticate'], bare.text]).toEqual([401, 'Bearer', '']);
    const expired = await send(`${app.baseUrl}/me`, {
      headers: bearer(await as.mintAccessToken({}, { expiresIn: -120 })),
    });
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual({
      error: 'invalid_token',
      error_description: 'The access token expired',
    });
    // The bare 401's response object is empty (and serialises to no body at all).
    const bareException = seen[0] as HttpException;
    expect(bareException).toBeInstanceOf(UnauthorizedException);
    expect(bareException.getResponse()).toEqual({});
    expect(JSON.stringify(bareException.getResponse())).toBeUndefined();
  });
});

describe.each(PLATFORMS)('a TokenGuard subclass on the %s platform', (_name, platform) => {
  const STEP_UP: Readonly<AuthRequirements> = Object.freeze({ acrValues: ['mfa'] });

  /** Demands multi-factor authentication everywhere: a requirements hook override. */
  @Injectable()
  class StepUpGuard extends TokenGuard {
    protected override getRequirements(_context: ExecutionContext): Readonly<AuthRequirements> {
      return STEP_UP;
    }
  }

  @UseGuards(StepUpGuard)
  @Controller()
  class SensitiveController {
    @Get('transfer')
    transfer(@Auth('acr') acr: string) {
      return { acr };
    }
  }

  it('uses the overridden hook and inherits the explicit injection', async () => {
    @Module({
      imports: [TokenGuardModule.forRoot(GUARD_OPTIONS())],
      controllers: [SensitiveController],
    })
    class AppModule {}
    const app = await startApp(platform, AppModule);
    running.push(app);
    const weak = await send(`${app.baseUrl}/transfer`, {
      headers: bearer(await as.mintAccessToken({ acr: 'pwd' })),
    });
    expect(weak.status).toBe(401);
    expect(weak.json).toMatchObject({ error: 'insufficient_user_authentication' });
    expect(weak.headers['www-authenticate']).toMatch(/acr_values="mfa"/);
    const strong = await send(`${app.baseUrl}/transfer`, {
      headers: bearer(await as.mintAccessToken({ acr: 'mfa' })),
    });
    expect(strong.json).toEqual({ acr: 'mfa' });
  });
});

describe.each(PLATFORMS)('protected resource metadata on the %s platform', (_name, platform) => {
  @Controller()
  class EmptyController {}

  async function metadataApp(
    options: Record<string, unknown>,
    prefix?: string,
  ): Promise<RunningApp> {
    @Module({
      imports: [TokenGuardModule.forRoot({ ...GUARD_OPTIONS(), ...options, global: true })],
      controllers: [EmptyController],
    })
    class AppModule {}
    const started = await startApp(platform, AppModule, (nest) => {
      if (prefix !== undefined) nest.setGlobalPrefix(prefix);
    });
    running.push(started);
    return started;
  }

  it('is served below the resource path, at the root despite a global prefix', async () => {
    const app = await metadataApp(
      { resource: 'https://api.example.com/v1', metadata: { resourceName: 'Orders' } },
      'v1',
    );
    const reply = await send(`${app.baseUrl}/.well-known/oauth-protected-resource/v1`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json).toEqual({
      resource: 'https://api.example.com/v1',
      authorization_servers: [as.issuer],
      bearer_methods_supported: ['header'],
      resource_name: 'Orders',
    });
    const root = await send(`${app.baseUrl}/.well-known/oauth-protected-resource`);
    expect(root.status).toBe(404);
  });

  it('is not served without a resource, or with metadata: false', async () => {
    for (const options of [{}, { resource: 'https://api.example.com', metadata: false }]) {
      const app = await metadataApp(options);
      const reply = await send(`${app.baseUrl}/.well-known/oauth-protected-resource`);
      expect(reply.status).toBe(404);
    }
  });
});

describe('decorator arguments are checked when the decorator is applied', () => {
  it.each([
    ['@Scopes()', () => Scopes(), 'tokenguard: @Scopes() needs at least one scope'],
    [
      "@Scopes('a b')",
      () => Scopes('a b'),
      'tokenguard: "@Scopes().scopes" must be an array of scope strings (no spaces or quotes)',
    ],
    ['@AnyScopes()', () => AnyScopes(), 'tokenguard: @AnyScopes() needs at least one scope'],
    [
      '@Claims({})',
      () => Claims({}),
      'tokenguard: @Claims() needs an object with at least one claim rule',
    ],
    [
      '@Claims({ tenant: {} })',
      () => Claims({ tenant: {} } as never),
      /^tokenguard: "@Claims\(\)\.claims\.tenant/,
    ],
    [
      "@Auth('')",
      () => Auth(''),
      'tokenguard: @Auth() takes a claim name (a non-empty string) or nothing',
    ],
  ])('%s', (_name, decorate, message) => {
    expect(decorate).toThrow(TypeError);
    expect(decorate).toThrow(message);
  });
});
