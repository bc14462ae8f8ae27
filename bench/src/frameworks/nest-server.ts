// NestJS on both platforms: no auth, tokenguard (TokenGuardModule with a global guard), and on
// the Express platform @nestjs/passport + passport-jwt + jwks-rsa, as their READMEs set them up.
// Each server process loads only its contender's libraries.
import 'reflect-metadata';
import type { Server } from 'node:http';
import {
  Controller,
  Get,
  Injectable,
  Module,
  type ModuleMetadata,
  Req,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { answer, PATH } from './shared.js';
import type { ServerConfig } from './types.js';

type WithAuth = { auth?: { subject?: unknown }; user?: { sub?: unknown } };

@Controller()
class OrdersController {
  @Get(PATH.slice(1))
  orders(@Req() request: WithAuth) {
    return answer(request.auth?.subject ?? request.user?.sub);
  }
}

async function metadata(config: ServerConfig): Promise<ModuleMetadata> {
  const { issuer, audience, jwksUri } = config.as;
  switch (config.contender) {
    case 'none':
      return { controllers: [OrdersController] };
    case 'tokenguard': {
      const { TokenGuardModule } = await import('@tokenguard/nestjs');
      return {
        imports: [TokenGuardModule.forRoot({ issuer, audience, global: true })],
        controllers: [OrdersController],
      };
    }
    case 'passport-jwt+jwks-rsa': {
      const { AuthGuard, PassportModule, PassportStrategy } = await import('@nestjs/passport');
      const { ExtractJwt, Strategy } = await import('passport-jwt');
      const { default: jwksRsa } = await import('jwks-rsa');

      @Injectable()
      class JwtStrategy extends PassportStrategy(Strategy) {
        constructor() {
          super({
            jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
            secretOrKeyProvider: jwksRsa.passportJwtSecret({
              cache: true,
              rateLimit: true,
              jwksRequestsPerMinute: 5,
              jwksUri,
            }),
            audience,
            issuer,
            algorithms: ['RS256'],
          });
        }
        validate(payload: unknown) {
          return payload;
        }
      }

      @UseGuards(AuthGuard('jwt'))
      @Controller()
      class PassportOrdersController {
        @Get(PATH.slice(1))
        orders(@Req() request: WithAuth) {
          return answer(request.user?.sub);
        }
      }
      return {
        imports: [PassportModule],
        providers: [JwtStrategy],
        controllers: [PassportOrdersController],
      };
    }
    default:
      throw new Error(`no Nest contender ${config.contender}`);
  }
}

export async function start(
  config: ServerConfig,
  platform: 'express' | 'fastify',
): Promise<Server> {
  @Module(await metadata(config))
  class BenchModule {}

  const adapter =
    platform === 'express'
      ? new (await import('@nestjs/platform-express')).ExpressAdapter()
      : new (await import('@nestjs/platform-fastify')).FastifyAdapter();
  const app = await NestFactory.create(BenchModule, adapter, { logger: false });
  await app.listen(0, '127.0.0.1');
  return app.getHttpServer() as Server;
}
