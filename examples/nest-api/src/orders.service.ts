import { Injectable } from '@nestjs/common';

/** An order of the example API. */
export interface Order {
  id: string;
  item: string;
  quantity: number;
  /**
   * `auth.principalId` of whoever placed it (issuer and subject, or issuer and client),
   * or `null` when the token names neither.
   */
  placedBy: string | null;
}

/** The orders, in memory. */
@Injectable()
export class OrdersService {
  readonly #orders: Order[] = [
    { id: '1001', item: 'espresso beans', quantity: 2, placedBy: 'seed' },
    { id: '1002', item: 'milk frother', quantity: 1, placedBy: 'seed' },
  ];

  list(): readonly Order[] {
    return this.#orders;
  }

  place(item: string, quantity: number, placedBy: string | null): Order {
    const order = { id: String(1001 + this.#orders.length), item, quantity, placedBy };
    this.#orders.push(order);
    return order;
  }
}
