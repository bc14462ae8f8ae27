import { Controller, Get } from '@nestjs/common';
import { Auth, type AuthContext, Public } from '@tokenguard/nestjs';

/** `GET /health` is public; `GET /me` needs any valid token. */
@Controller()
export class AppController {
  @Public()
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Get('me')
  me(@Auth() auth: AuthContext) {
    return {
      principal: auth.principalId ?? null,
      subject: auth.subject ?? null,
      clientId: auth.clientId ?? null,
      scopes: [...auth.scopes],
      expiresAt: auth.expiresAt?.toISOString() ?? null,
    };
  }
}
