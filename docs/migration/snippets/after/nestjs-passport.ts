// After: @tokenguard/nestjs (on the Express or the Fastify platform).
import { Controller, Get, Module } from '@nestjs/common';
import { Auth, type AuthContext, Public, Scopes, TokenGuardModule } from '@tokenguard/nestjs';

@Controller('orders')
export class OrdersController {
  @Scopes('orders:read')
  @Get()
  list(@Auth() auth: AuthContext) {
    return { orders: [], placedBy: auth.subject };
  }

  @Public()
  @Get('count')
  count() {
    return { count: 0 };
  }
}

@Module({
  imports: [
    TokenGuardModule.forRoot({
      issuer: 'https://auth.example.com/',
      audience: 'https://api.example.com',
      global: true, // every route needs a token unless @Public()
    }),
  ],
  controllers: [OrdersController],
})
export class AppModule {}
