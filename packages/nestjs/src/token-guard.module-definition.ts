import {
  type ConfigurableModuleAsyncOptions,
  ConfigurableModuleBuilder,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type {
  TokenGuard as CoreTokenGuard,
  ProtectedResourceMetadataOptions,
  TokenGuardOptions,
} from '@tokenguard/core';
import { TOKEN_GUARD_MODULE_OPTIONS } from './constants.js';
import { TokenGuard } from './token-guard.guard.js';

/** What the module serves at the RFC 9728 well-known path. */
interface MetadataSetting {
  /**
   * Extra members of the protected-resource metadata (`scopesSupported`, `resourceName`,
   * `resourceDocumentation`), or `false` not to serve the document. It is served whenever the
   * guard has a `resource`; giving this without a `resource` is a `TypeError`.
   */
  metadata?: ProtectedResourceMetadataOptions | false;
}

/**
 * What `forRoot()` takes (besides {@link TokenGuardModuleExtras}) and a `forRootAsync()` factory
 * returns: core's `TokenGuardOptions` (`issuer`, `audience`, …, `warmUp`, `logger`), or an
 * existing core guard as `{ guard }` (the module then does not close it; `warmUp` may go with it),
 * plus `metadata`. An object with neither guard
 * options nor a guard reads `TOKENGUARD_*` from the environment (core's `optionsFromEnv()`).
 *
 * @example
 * ```ts
 * const options: TokenGuardModuleOptions = {
 *   issuer: 'https://auth.example.com/',
 *   audience: 'https://api.example.com',
 *   resource: 'https://api.example.com',
 *   metadata: { scopesSupported: ['orders:read', 'orders:write'] },
 * };
 * ```
 */
export type TokenGuardModuleOptions =
  | (TokenGuardOptions & MetadataSetting & { guard?: undefined })
  | (MetadataSetting & { guard: CoreTokenGuard } & Pick<TokenGuardOptions, 'warmUp'> & {
        [K in Exclude<keyof TokenGuardOptions, 'warmUp'>]?: undefined;
      });

/**
 * Options of `forRoot()` and `forRootAsync()` that shape the module itself, so they are given
 * directly, never by an async factory.
 *
 * @example
 * ```ts
 * TokenGuardModule.forRoot({ issuer, audience, global: true, isGlobal: true });
 * ```
 */
export interface TokenGuardModuleExtras {
  /**
   * Makes the module global (Nest's `global: true`): `TOKEN_GUARD` and `TokenGuard` can be
   * injected, and `@UseGuards(TokenGuard)` used, in every module without importing it.
   */
  isGlobal?: boolean;
  /**
   * Registers `TokenGuard` as an `APP_GUARD`: every route of the application needs a valid token
   * unless it is `@Public()` (or `@OptionalAuth()`).
   */
  global?: boolean;
}

/**
 * A class a `forRootAsync({ useClass })` or `({ useExisting })` can name: it makes the module's
 * options.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class AuthConfig implements TokenGuardOptionsFactory {
 *   constructor(@Inject(ConfigService) private readonly config: ConfigService) {}
 *   createTokenGuardOptions() {
 *     return { issuer: this.config.get('ISSUER'), audience: this.config.get('AUDIENCE') };
 *   }
 * }
 * ```
 */
export interface TokenGuardOptionsFactory {
  createTokenGuardOptions(): TokenGuardModuleOptions | Promise<TokenGuardModuleOptions>;
}

/**
 * What `forRootAsync()` takes: `imports`, then `useFactory` with `inject`, `useClass` or
 * `useExisting` making the {@link TokenGuardModuleOptions}, and the module's own extras.
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
 *   global: true,
 * });
 * ```
 */
export interface TokenGuardModuleAsyncOptions
  extends ConfigurableModuleAsyncOptions<TokenGuardModuleOptions, 'createTokenGuardOptions'>,
    TokenGuardModuleExtras {}

export const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<TokenGuardModuleOptions>({
  optionsInjectionToken: TOKEN_GUARD_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createTokenGuardOptions')
  .setExtras<TokenGuardModuleExtras>({ isGlobal: false, global: false }, (definition, extras) => {
    for (const name of ['isGlobal', 'global'] as const) {
      if (extras[name] !== undefined && typeof extras[name] !== 'boolean') {
        throw new TypeError(`tokenguard: "${name}" must be a boolean`);
      }
    }
    const providers: Provider[] = [...(definition.providers ?? [])];
    if (extras.global === true) providers.push({ provide: APP_GUARD, useExisting: TokenGuard });
    return { ...definition, global: extras.isGlobal === true, providers };
  })
  .build();
