import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import {
  type TokenGuard as CoreTokenGuard,
  createTokenGuard,
  isTokenGuard,
  optionsFromEnv,
  type TokenGuardOptions,
  type WarmUpMode,
} from '@tokenguard/core';
import { warmUpGuard } from '@tokenguard/core/adapter';
import {
  GUARD_HOLDER,
  RESOURCE_METADATA,
  TOKEN_GUARD,
  TOKEN_GUARD_MODULE_OPTIONS,
} from './constants.js';
import { ProtectedResourceMetadataRoute, type ResourceMetadata } from './metadata.route.js';
import { TokenGuard } from './token-guard.guard.js';
import {
  ConfigurableModuleClass,
  type TokenGuardModuleAsyncOptions,
  type TokenGuardModuleExtras,
  type TokenGuardModuleOptions,
} from './token-guard.module-definition.js';

interface GuardHolder {
  guard: CoreTokenGuard;
  /** The module created the guard, so it closes it; a guard it was given is the caller's. */
  owned: boolean;
  /** The `warmUp` option: what module init does. */
  warmUp: WarmUpMode | undefined;
}

/** Where the module says why, unless the options name another logger (or `false`). */
const logger = new Logger('TokenGuard');

/** Creates a guard that logs through Nest's `Logger` unless the options say otherwise. */
function createWithLogger(options: TokenGuardOptions): CoreTokenGuard {
  return createTokenGuard(options.logger === undefined ? { ...options, logger } : options);
}

/**
 * Creates the core guard from the module's options. Runs while the application initialises, so a
 * configuration mistake fails `NestFactory.create()` with core's `TypeError` naming the option.
 */
function createGuard(options: TokenGuardModuleOptions): GuardHolder {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('tokenguard: the options of TokenGuardModule must be an object');
  }
  const { guard, metadata: _metadata, ...guardOptions } = options;
  const names = Object.keys(guardOptions);
  if (guard !== undefined) {
    if (!isTokenGuard(guard)) {
      throw new TypeError('tokenguard: "guard" must be a guard made by createTokenGuard()');
    }
    const { warmUp, ...others } = guardOptions as { warmUp?: WarmUpMode };
    const other = Object.keys(others);
    if (other.length > 0) {
      throw new TypeError(
        `tokenguard: "guard" and guard options ("${other[0]}") exclude each other`,
      );
    }
    return { guard, owned: false, warmUp };
  }
  const warmUp = (guardOptions as TokenGuardOptions).warmUp;
  if (names.length > 0) {
    return { guard: createWithLogger(guardOptions as TokenGuardOptions), owned: true, warmUp };
  }
  try {
    return { guard: createWithLogger(optionsFromEnv()), owned: true, warmUp: undefined };
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new TypeError(
      `${error.message} (without guard options, TokenGuardModule reads TOKENGUARD_ISSUER, TOKENGUARD_AUDIENCE, … from the environment)`,
      { cause: error },
    );
  }
}

function resourceMetadata(
  guard: CoreTokenGuard,
  options: TokenGuardModuleOptions,
): ResourceMetadata | undefined {
  const setting = options.metadata;
  if (setting === false) return undefined;
  if (setting !== undefined && (typeof setting !== 'object' || setting === null)) {
    throw new TypeError('tokenguard: "metadata" must be an object or false');
  }
  const metadata = guard.protectedResourceMetadata(setting);
  if (metadata === undefined && setting !== undefined) {
    throw new TypeError(
      'tokenguard: "resource" is required to serve protected resource metadata (RFC 9728)',
    );
  }
  return metadata;
}

const providers: Provider[] = [
  {
    provide: GUARD_HOLDER,
    inject: [TOKEN_GUARD_MODULE_OPTIONS],
    useFactory: createGuard,
  },
  {
    provide: TOKEN_GUARD,
    inject: [GUARD_HOLDER],
    useFactory: (holder: GuardHolder) => holder.guard,
  },
  {
    provide: RESOURCE_METADATA,
    inject: [TOKEN_GUARD, TOKEN_GUARD_MODULE_OPTIONS],
    useFactory: resourceMetadata,
  },
  ProtectedResourceMetadataRoute,
  TokenGuard,
];

/**
 * Protects a NestJS application (Express or Fastify platform) as an OAuth 2.0 resource server. It
 * provides the core guard (`TOKEN_GUARD`) and the Nest guard `TokenGuard`, serves the RFC 9728
 * metadata when the guard has a `resource`, and closes the guard's upstream connections on
 * application shutdown (`app.close()`, or a signal with `enableShutdownHooks()`).
 *
 * - `forRoot(options)`: core's `TokenGuardOptions` (`issuer`, `audience`, …) or `{ guard }`.
 * - `forRoot()`: reads `TOKENGUARD_ISSUER`, `TOKENGUARD_AUDIENCE`, … (core's `optionsFromEnv()`).
 * - `warmUp: 'fail' | 'warn'`: fetch the issuer's keys on module init, and refuse to start (or
 *   warn) when they cannot be had.
 *
 * A guard the module creates says why through Nest's `Logger` (context `TokenGuard`): each
 * rejected request at debug, an issuer down or recovered at warn; `logger` in the options names
 * another one, `logger: false` none.
 * - `forRootAsync({ imports, inject, useFactory })`: options from a factory (a config service).
 * - `global: true`: `TokenGuard` runs for every route (`APP_GUARD`); opt out with `@Public()`.
 * - `isGlobal: true`: the module's providers are visible in every module.
 *
 * A mistake in the options is core's `TypeError` naming the option, when the application
 * initialises (`NestFactory.create()`), never on a request.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     TokenGuardModule.forRoot({
 *       issuer: 'https://auth.example.com/',
 *       audience: 'https://api.example.com',
 *       global: true,
 *     }),
 *   ],
 *   controllers: [OrdersController],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  providers,
  exports: [TOKEN_GUARD, TokenGuard],
})
export class TokenGuardModule
  extends ConfigurableModuleClass
  implements OnModuleInit, OnApplicationShutdown
{
  constructor(@Inject(GUARD_HOLDER) private readonly holder: GuardHolder) {
    super();
  }

  /**
   * Registers the module with options known now; without options, from `TOKENGUARD_*`.
   *
   * @example
   * ```ts
   * TokenGuardModule.forRoot({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
   * TokenGuardModule.forRoot({ guard: createTokenGuard(options), global: true });
   * TokenGuardModule.forRoot(); // TOKENGUARD_ISSUER, TOKENGUARD_AUDIENCE, …
   * ```
   */
  static override forRoot(
    options: TokenGuardModuleOptions & TokenGuardModuleExtras = {},
  ): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: the builder's forRoot() makes `this` the dynamic module's `module`: it must be TokenGuardModule, not the builder's own class.
    return super.forRoot(options);
  }

  /**
   * Registers the module with options a provider makes (`useFactory` + `inject`, `useClass`,
   * `useExisting`), for instance from a config service.
   *
   * @example
   * ```ts
   * TokenGuardModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({
   *     issuer: config.getOrThrow('TOKENGUARD_ISSUER'),
   *     audience: config.getOrThrow('TOKENGUARD_AUDIENCE'),
   *   }),
   * });
   * ```
   */
  static override forRootAsync(options: TokenGuardModuleAsyncOptions): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: as in forRoot().
    return super.forRootAsync(options);
  }

  /**
   * Fail fast or start and warn: with `warmUp: 'fail'` the issuer's metadata and keys are fetched
   * now and the application does not start without them (`app.init()`, `app.listen()` reject
   * with core's `UpstreamError`, naming the URL and the cause); with `'warn'` it starts anyway
   * after one warning.
   */
  async onModuleInit(): Promise<void> {
    await warmUpGuard(this.holder.guard, this.holder.warmUp, logger);
  }

  /** Closes the upstream connection pool of a guard the module created. */
  async onApplicationShutdown(): Promise<void> {
    if (this.holder.owned) await this.holder.guard.close();
  }
}
