import { Controller, Get, Inject, Injectable, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { type TokenGuard as CoreTokenGuard, createTokenGuard } from '@tokenguard/core';
import {
  Auth,
  type AuthContext,
  TOKEN_GUARD,
  TokenGuard,
  TokenGuardModule,
  type TokenGuardModuleOptions,
  type TokenGuardOptionsFactory,
} from '@tokenguard/nestjs';
import { type AuthorizationServer, createAuthorizationServer } from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, PLATFORMS, type RunningApp, send, startApp } from './helpers.js';

let as: AuthorizationServer;
beforeAll(async () => {
  as = await createAuthorizationServer();
});
afterAll(() => as?.close());

@UseGuards(TokenGuard)
@Controller()
class MeController {
  @Get('me')
  me(@Auth() auth: AuthContext) {
    return { subject: auth.subject };
  }
}

@Controller()
class UnguardedController {
  @Get('me')
  me(@Auth() auth: AuthContext) {
    return { subject: auth.subject };
  }
}

/** A stand-in for @nestjs/config's ConfigService: values by key, from a map. */
@Injectable()
class ConfigService {
  static values: Record<string, string> = {};
  getOrThrow(key: string): string {
    const value = ConfigService.values[key];
    if (value === undefined) throw new Error(`missing config ${key}`);
    return value;
  }
}

@Module({ providers: [ConfigService], exports: [ConfigService] })
class ConfigModule {}

const running: RunningApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
  vi.unstubAllEnvs();
});

async function start(platform: (typeof PLATFORMS)[number][1], imports: unknown[]) {
  @Module({ imports: imports as never[], controllers: [MeController] })
  class AppModule {}
  const app = await startApp(platform, AppModule);
  running.push(app);
  return app;
}

/** 200 with a token, bare 401 without one. */
async function expectProtected(app: RunningApp) {
  const anonymous = await send(`${app.baseUrl}/me`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers['www-authenticate']).toBe('Bearer');
  expect(anonymous.text).toBe('');
  const ok = await send(`${app.baseUrl}/me`, { headers: bearer(await as.mintAccessToken()) });
  expect(ok.status).toBe(200);
  expect(ok.json).toEqual({ subject: 'user-123' });
}

describe.each(PLATFORMS)('TokenGuardModule on the %s platform', (_name, platform) => {
  it('forRoot(options)', async () => {
    await expectProtected(
      await start(platform, [
        TokenGuardModule.forRoot({ issuer: as.issuer, audience: as.audience }),
      ]),
    );
  });

  it('forRoot() reads TOKENGUARD_ISSUER and TOKENGUARD_AUDIENCE', async () => {
    vi.stubEnv('TOKENGUARD_ISSUER', as.issuer);
    vi.stubEnv('TOKENGUARD_AUDIENCE', as.audience);
    await expectProtected(await start(platform, [TokenGuardModule.forRoot()]));
  });

  it('forRootAsync() with a config-service factory', async () => {
    ConfigService.values = { ISSUER: as.issuer, AUDIENCE: as.audience };
    const module = TokenGuardModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: async (config: ConfigService): Promise<TokenGuardModuleOptions> => ({
        issuer: config.getOrThrow('ISSUER'),
        audience: config.getOrThrow('AUDIENCE'),
      }),
    });
    await expectProtected(await start(platform, [module]));
  });

  it('forRootAsync() with useClass', async () => {
    @Injectable()
    class AuthOptions implements TokenGuardOptionsFactory {
      createTokenGuardOptions() {
        return { issuer: as.issuer, audience: as.audience };
      }
    }
    await expectProtected(
      await start(platform, [TokenGuardModule.forRootAsync({ useClass: AuthOptions })]),
    );
  });

  it('forRoot({ guard }) uses that guard and leaves it open on shutdown', async () => {
    const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    const close = vi.spyOn(guard, 'close');
    const app = await start(platform, [TokenGuardModule.forRoot({ guard })]);
    expect(app.app.get(TOKEN_GUARD)).toBe(guard);
    await expectProtected(app);
    await app.close();
    expect(close).not.toHaveBeenCalled();
    await guard.close();
  });

  it('closes the guard it created on application shutdown', async () => {
    const app = await start(platform, [
      TokenGuardModule.forRoot({ issuer: as.issuer, audience: as.audience }),
    ]);
    const close = vi.spyOn(app.app.get<CoreTokenGuard>(TOKEN_GUARD), 'close');
    await app.close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('global: true protects every route through APP_GUARD', async () => {
    @Module({
      imports: [
        TokenGuardModule.forRoot({ issuer: as.issuer, audience: as.audience, global: true }),
      ],
      controllers: [UnguardedController],
    })
    class AppModule {}
    const app = await startApp(platform, AppModule);
    running.push(app);
    await expectProtected(app);
  });

  it('isGlobal: true makes TokenGuard usable in modules that do not import it', async () => {
    @Module({ controllers: [MeController] })
    class FeatureModule {}
    @Module({
      imports: [
        TokenGuardModule.forRoot({ issuer: as.issuer, audience: as.audience, isGlobal: true }),
        FeatureModule,
      ],
    })
    class AppModule {}
    const app = await startApp(platform, AppModule);
    running.push(app);
    await expectProtected(app);

    @Module({
      imports: [
        TokenGuardModule.forRoot({ issuer: as.issuer, audience: as.audience }),
        FeatureModule,
      ],
    })
    class NotGlobalModule {}
    await expect(startApp(platform, NotGlobalModule)).rejects.toThrow(/TokenGuard/);
  });

  it('TOKEN_GUARD can be injected', async () => {
    @Injectable()
    class Issuers {
      constructor(@Inject(TOKEN_GUARD) readonly guard: CoreTokenGuard) {}
    }
    @Module({
      imports: [TokenGuardModule.forRoot({ issuer: as.issuer, audience: as.audience })],
      providers: [Issuers],
    })
    class AppModule {}
    const app = await startApp(platform, AppModule);
    running.push(app);
    expect(app.app.get(Issuers).guard.issuers).toEqual([as.issuer]);
  });
});

describe('saying why, and start-up', () => {
  it("logs a rejection through Nest's Logger at debug (context TokenGuard), never the token", async () => {
    const lines: unknown[][] = [];
    const capture = {
      log: () => {},
      error: () => {},
      warn: (...args: unknown[]) => lines.push(['warn', ...args]),
      debug: (...args: unknown[]) => lines.push(['debug', ...args]),
      verbose: () => {},
    };
    @Module({
      imports: [TokenGuardModule.forRoot({ issuer: as.issuer, audience: as.audience })],
      controllers: [MeController],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, new ExpressAdapter(), {
      logger: capture,
      abortOnError: false,
    });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    try {
      const token = await as.mintAccessToken({ aud: 'https://other.example' });
      const reply = await send(`http://127.0.0.1:${port}/me`, { headers: bearer(token) });
      expect(reply.status).toBe(401);
      const ours = lines.filter((line) => line[2] === 'TokenGuard');
      expect(ours).toEqual([
        [
          'debug',
          expect.stringMatching(
            /^tokenguard: rejected 401 invalid_token \(jwt\.aud\): aud is "https:\/\/other\.example", expected "https:\/\/api\.example\.com"/,
          ),
          'TokenGuard',
        ],
      ]);
      expect(JSON.stringify(lines)).not.toContain(token.split('.')[2]);
    } finally {
      await app.close();
    }
  });

  it("warmUp: 'fail' makes the application refuse to start, naming the URL and the cause", async () => {
    const jwksUri = `${as.issuer}/missing-jwks`;
    @Module({
      imports: [
        TokenGuardModule.forRoot({
          issuer: as.issuer,
          audience: as.audience,
          jwksUri,
          warmUp: 'fail',
        }),
      ],
      controllers: [MeController],
    })
    class AppModule {}
    await expect(startApp(() => new ExpressAdapter(), AppModule)).rejects.toThrow(
      `tokenguard: the JWKS of issuer ${as.issuer} failed (${jwksUri}): HTTP 404`,
    );
  });

  it("warmUp: 'warn' with a guard of one's own: starts", async () => {
    const guard = createTokenGuard({
      issuer: as.issuer,
      audience: as.audience,
      jwksUri: `${as.issuer}/missing-jwks`,
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      @Module({
        imports: [TokenGuardModule.forRoot({ guard, warmUp: 'warn' })],
        controllers: [MeController],
      })
      class AppModule {}
      const app = await startApp(() => new ExpressAdapter(), AppModule);
      running.push(app);
      expect((await send(`${app.baseUrl}/me`)).status).toBe(401);
    } finally {
      warn.mockRestore();
      await guard.close();
    }
  });
});

describe('a configuration mistake fails the application at startup', () => {
  const [, platform] = PLATFORMS[0]!;

  async function startError(imports: unknown[]): Promise<unknown> {
    @Module({ imports: imports as never[], controllers: [MeController] })
    class AppModule {}
    return startApp(platform, AppModule).then(
      (app) => {
        running.push(app);
        throw new Error('the application started');
      },
      (error: unknown) => error,
    );
  }

  it('with core TypeError naming the option (forRoot)', async () => {
    const error = await startError([TokenGuardModule.forRoot({ issuer: as.issuer })]);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^tokenguard: "audience" is required/);
  });

  it('with core TypeError naming the option (forRootAsync factory)', async () => {
    const error = await startError([
      TokenGuardModule.forRootAsync({
        useFactory: () => ({ issuer: as.issuer, audience: as.audience, clockTolerance: -1 }),
      }),
    ]);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^tokenguard: "clockTolerance"/);
  });

  it('for an unknown option', async () => {
    const error = await startError([
      TokenGuardModule.forRootAsync({
        // A module extra returned by the factory is an unknown guard option.
        useFactory: () => ({ issuer: as.issuer, audience: as.audience, global: true }) as never,
      }),
    ]);
    expect((error as Error).message).toBe('tokenguard: unknown option "global"');
  });

  it('for a misspelled module-level requirement, naming the closest valid option', async () => {
    const error = await startError([
      TokenGuardModule.forRoot({
        issuer: as.issuer,
        audience: as.audience,
        anyScope: ['api:read', 'api:admin'],
      } as never),
    ]);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      'tokenguard: unknown option "anyScope"; did you mean "anyScopes"?',
    );
  });

  it('without options and without TOKENGUARD_* in the environment', async () => {
    vi.stubEnv('TOKENGUARD_ISSUER', '');
    vi.stubEnv('TOKENGUARD_AUDIENCE', '');
    const error = await startError([TokenGuardModule.forRoot()]);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(
      /^tokenguard: "(issuer|audience)" is required.*TOKENGUARD_ISSUER/,
    );
  });

  it('for a guard combined with guard options, or something else than a guard', async () => {
    const guard = createTokenGuard({ issuer: as.issuer, audience: as.audience });
    const mixed = await startError([
      TokenGuardModule.forRoot({ guard, issuer: as.issuer } as never),
    ]);
    expect((mixed as Error).message).toBe(
      'tokenguard: "guard" and guard options ("issuer") exclude each other',
    );
    const notAGuard = await startError([TokenGuardModule.forRoot({ guard: {} } as never)]);
    expect((notAGuard as Error).message).toBe(
      'tokenguard: "guard" must be a guard made by createTokenGuard()',
    );
    await guard.close();
  });

  it('for metadata without a resource', async () => {
    const error = await startError([
      TokenGuardModule.forRoot({
        issuer: as.issuer,
        audience: as.audience,
        metadata: { scopesSupported: ['a'] },
      }),
    ]);
    expect((error as Error).message).toBe(
      'tokenguard: "resource" is required to serve protected resource metadata (RFC 9728)',
    );
  });

  it('for module extras of the wrong type, when forRoot() is called', () => {
    expect(() =>
      TokenGuardModule.forRoot({
        issuer: as.issuer,
        audience: as.audience,
        global: 'yes',
      } as never),
    ).toThrow(new TypeError('tokenguard: "global" must be a boolean'));
  });
});

describe('@Auth() without the guard', () => {
  it.each(PLATFORMS)(
    'answers 500 on %s rather than passing for anonymous',
    async (_n, platform) => {
      @Module({
        imports: [TokenGuardModule.forRoot({ issuer: as.issuer, audience: as.audience })],
        controllers: [UnguardedController],
      })
      class AppModule {}
      const app = await startApp(platform, AppModule);
      running.push(app);
      const reply = await send(`${app.baseUrl}/me`, {
        headers: bearer(await as.mintAccessToken()),
      });
      expect(reply.status).toBe(500);
    },
  );
});
