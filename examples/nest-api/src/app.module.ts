import { type DynamicModule, Module } from '@nestjs/common';
import { TokenGuardModule, type TokenGuardOptions } from '@tokenguard/nestjs';
import { AppController } from './app.controller.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';

/**
 * The orders API. `TokenGuard` runs for every route (`global: true`); `@Public()` opens
 * `GET /health`, `@Scopes()` asks for more on the orders routes.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module is a class; register() is Nest's convention for a configurable one.
export class AppModule {
  /**
   * With guard options, trusts that authorization server; without, reads `TOKENGUARD_ISSUER`,
   * `TOKENGUARD_AUDIENCE`, … from the environment.
   */
  static register(auth?: TokenGuardOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TokenGuardModule.forRoot({
          ...auth,
          metadata: auth?.resource
            ? { scopesSupported: ['orders:read', 'orders:write'] }
            : undefined,
          global: true,
        }),
      ],
      controllers: [AppController, OrdersController],
      providers: [OrdersService],
    };
  }
}
