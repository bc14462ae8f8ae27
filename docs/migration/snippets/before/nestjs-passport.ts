// Before: @nestjs/passport with passport-jwt and jwks-rsa.
import { Controller, Get, Injectable, Module, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';

interface User {
  userId: string;
  scopes: string[];
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: passportJwtSecret({
        jwksUri: 'https://auth.example.com/.well-known/jwks.json',
        cache: true,
        rateLimit: true,
      }),
      issuer: 'https://auth.example.com/',
      audience: 'https://api.example.com',
      algorithms: ['RS256'],
    });
  }

  validate(payload: { sub: string; scope?: string }): User {
    return { userId: payload.sub, scopes: payload.scope?.split(' ') ?? [] };
  }
}

@UseGuards(AuthGuard('jwt'))
@Controller('orders')
export class OrdersController {
  @Get()
  list(@Req() req: { user: User }) {
    return { orders: [], placedBy: req.user.userId };
  }
}

@Module({
  imports: [PassportModule],
  controllers: [OrdersController],
  providers: [JwtStrategy],
})
export class AppModule {}
