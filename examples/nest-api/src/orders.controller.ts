import { BadRequestException, Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { Auth, type AuthContext, Scopes } from '@tokenguard/nestjs';
import { type Order, OrdersService } from './orders.service.js';

/** `GET /orders` needs `orders:read`, `POST /orders` needs `orders:write`. */
@Controller('orders')
export class OrdersController {
  // Explicit injection: tsx and vitest emit no decorator metadata for Nest to read types from.
  constructor(@Inject(OrdersService) private readonly orders: OrdersService) {}

  @Scopes('orders:read')
  @Get()
  list(): { orders: readonly Order[] } {
    return { orders: this.orders.list() };
  }

  // 201 is Nest's default for POST.
  @Scopes('orders:write')
  @Post()
  place(@Body() body: unknown, @Auth() auth: AuthContext): Order {
    const { item, quantity } = (body ?? {}) as { item?: unknown; quantity?: unknown };
    if (typeof item !== 'string' || item.trim() === '' || !Number.isInteger(quantity)) {
      throw new BadRequestException({
        error: 'invalid_order',
        error_description: 'Send { item, quantity }',
      });
    }
    return this.orders.place(item.trim(), quantity as number, auth.principalId ?? null);
  }
}
