/** A call waiting for a free slot. */
interface Waiter {
  resolve(acquired: boolean): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * At most `maxConcurrentCalls` introspection calls in flight, with at most `maxQueuedCalls`
 * waiting behind them for at most `queueTimeout` milliseconds, first come first served: a flood
 * of made-up tokens cannot become a flood on the authorization server (RFC 7662 §4).
 */
export class CallLimiter {
  readonly #limits: { maxConcurrentCalls: number; maxQueuedCalls: number; queueTimeout: number };
  #calls = 0;
  readonly #queue: Waiter[] = [];

  constructor(limits: {
    maxConcurrentCalls: number;
    maxQueuedCalls: number;
    queueTimeout: number;
  }) {
    this.#limits = limits;
  }

  /**
   * Takes a call slot: `undefined` at once when one is free, else a promise of a slot handed
   * over by a finishing call (`undefined`) or of the reason there is none: `saturated` (the
   * queue is full), `queue_timeout` (no slot within `queueTimeout`).
   */
  acquire(): Promise<'saturated' | 'queue_timeout' | undefined> | undefined {
    const limits = this.#limits;
    if (this.#calls < limits.maxConcurrentCalls) {
      this.#calls++;
      return undefined;
    }
    if (this.#queue.length >= limits.maxQueuedCalls) return Promise.resolve('saturated');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve: (acquired) => resolve(acquired ? undefined : 'queue_timeout'),
        timer: undefined,
      };
      waiter.timer = setTimeout(() => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        waiter.resolve(false);
      }, limits.queueTimeout);
      waiter.timer.unref?.();
      this.#queue.push(waiter);
    });
  }

  /** Hands the slot to the longest waiting call, or frees it. */
  release(): void {
    const next = this.#queue.shift();
    if (next === undefined) {
      this.#calls--;
      return;
    }
    clearTimeout(next.timer);
    next.resolve(true);
  }
}
