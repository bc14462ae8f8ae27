// The token pools the HTTP runs send, minted once per benchmark run by the authorization server
// and written to files the load generator reads. Made on demand: a run that needs no ES256 tokens
// mints none.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alg, WorkloadKind } from './frameworks/types.js';
import type { SanityInput, Source } from './http/loader.js';
import type { Child } from './lib/ipc.js';

export interface Workload {
  /** Its name in results and `--filter`: `hit`, `miss ES256`, `opaque miss`, `dpop`. */
  name: string;
  kind: WorkloadKind;
  alg: Alg;
  warmup: Source;
  measure: Source;
  /** The token the sanity step checks the contender with. */
  sanity: SanityInput;
}

/** The subject of every sanity token: no workload token names it. */
const SANITY_SUBJECT = 'bench-sanity';

export class Pools {
  readonly #as: Child;
  readonly #dir: string;
  readonly #sizes: { distinct: number; warm: number; dpopPerSecond: number };
  readonly #seconds: { warmup: number; measure: number };
  readonly #made = new Map<string, Promise<unknown>>();
  readonly #log: (line: string) => void;
  readonly #dpopThumbprint: string;

  constructor(options: {
    as: Child;
    dir: string;
    distinct: number;
    warmupSeconds: number;
    seconds: number;
    dpopThumbprint: string;
    log: (line: string) => void;
  }) {
    this.#as = options.as;
    this.#dir = options.dir;
    this.#sizes = { distinct: options.distinct, warm: 1_000, dpopPerSecond: 6_000 };
    this.#seconds = { warmup: options.warmupSeconds, measure: options.seconds };
    this.#dpopThumbprint = options.dpopThumbprint;
    this.#log = options.log;
  }

  /** Every token of an algorithm's pool (RFC 9068 typed), for the micro benchmarks. */
  async tokens(alg: Alg): Promise<string[]> {
    return (await this.jwt(alg)).tokens;
  }

  /** The `hit` and `miss` workloads of one algorithm and token type. */
  jwt(alg: Alg, typ = 'at+jwt'): Promise<{ hit: Workload; miss: Workload; tokens: string[] }> {
    return this.#once(`jwt ${alg} ${typ}`, async () => {
      const { distinct, warm } = this.#sizes;
      this.#log(`minting ${distinct + warm} ${alg} tokens (typ ${typ})`);
      const tokens = await this.#mint({ alg, typ, count: distinct + warm });
      const [token] = await this.#mint({ alg, typ, count: 1, sub: SANITY_SUBJECT });
      const sanity = { token: token as string, subject: SANITY_SUBJECT, dpop: false };
      const name = `${alg}-${typ.replace(/\W/g, '')}`;
      const hitFile = this.#file(`${name}-hit`, tokens.slice(0, 100));
      const warmFile = this.#file(`${name}-warm`, tokens.slice(0, warm));
      const base = { alg, sanity };
      return {
        tokens,
        hit: {
          ...base,
          name: 'hit',
          kind: 'hit',
          warmup: { kind: 'tokens', file: hitFile, mode: 'cycle' },
          measure: { kind: 'tokens', file: hitFile, mode: 'cycle' },
        },
        miss: {
          ...base,
          name: `miss ${alg}`,
          kind: 'miss',
          warmup: { kind: 'tokens', file: warmFile, mode: 'cycle' },
          measure: {
            kind: 'tokens',
            file: this.#file(`${name}-miss`, tokens.slice(warm)),
            mode: 'once',
          },
        },
      };
    });
  }

  /** Opaque tokens through introspection: `opaque miss` (each once) and `opaque hit`. */
  opaque(): Promise<{ hit: Workload; miss: Workload }> {
    return this.#once('opaque', async () => {
      const { distinct, warm } = this.#sizes;
      this.#log(`minting ${distinct + warm} opaque tokens`);
      const tokens = await this.#as.ask<string[]>('opaque', { count: distinct + warm });
      const [token] = await this.#as.ask<string[]>('opaque', { count: 1, sub: SANITY_SUBJECT });
      const sanity = { token: token as string, subject: SANITY_SUBJECT, dpop: false };
      const hitFile = this.#file('opaque-hit', tokens.slice(0, 100));
      const base = { alg: 'RS256' as const, sanity };
      return {
        hit: {
          ...base,
          name: 'opaque hit',
          kind: 'opaque hit',
          warmup: { kind: 'tokens', file: hitFile, mode: 'cycle' },
          measure: { kind: 'tokens', file: hitFile, mode: 'cycle' },
        },
        miss: {
          ...base,
          name: 'opaque miss',
          kind: 'opaque miss',
          warmup: {
            kind: 'tokens',
            file: this.#file('opaque-warm', tokens.slice(0, warm)),
            mode: 'cycle',
          },
          measure: {
            kind: 'tokens',
            file: this.#file('opaque-miss', tokens.slice(warm)),
            mode: 'once',
          },
        },
      };
    });
  }

  /** One RS256 access token bound to the load generator's key, a fresh ES256 proof per request. */
  dpop(): Promise<Workload> {
    return this.#once('dpop', async () => {
      const [token] = await this.#mint({
        alg: 'RS256',
        count: 1,
        jkt: this.#dpopThumbprint,
        sub: SANITY_SUBJECT,
      });
      const perSecond = this.#sizes.dpopPerSecond;
      const { warmup, measure } = this.#seconds;
      return {
        name: 'dpop',
        kind: 'dpop',
        alg: 'RS256',
        warmup: { kind: 'dpop', token: token as string, count: Math.ceil(warmup * perSecond) },
        measure: {
          kind: 'dpop',
          token: token as string,
          count: Math.ceil(measure * perSecond) + 2_000,
        },
        sanity: { token: token as string, subject: SANITY_SUBJECT, dpop: true },
      } satisfies Workload;
    });
  }

  #mint(request: { alg: Alg; count: number; typ?: string; jkt?: string; sub?: string }) {
    return this.#as.ask<string[]>('mint', request);
  }

  #file(name: string, tokens: string[]): string {
    const file = join(this.#dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(tokens));
    return file;
  }

  #once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let made = this.#made.get(key) as Promise<T> | undefined;
    if (made === undefined) {
      made = make();
      this.#made.set(key, made);
    }
    return made;
  }
}
