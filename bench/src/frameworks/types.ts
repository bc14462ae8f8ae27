// What a framework and its contenders declare, so that the plan, the sanity step, the tables and
// the goal table treat every framework alike. A framework is one file here (its definition)
// plus one for its server, and one line in ./index.ts.
import type { Server } from 'node:http';
import type { AuthServerInfo } from '../auth-server.js';

/** The JWT algorithms the authorization server signs with. */
export type Alg = 'RS256' | 'ES256' | 'EdDSA';

/**
 * What a run sends. `hit`: 100 tokens over and over (the verified-token cache). `miss`: every
 * request a token never seen before (the signature path, the cache insert included). `opaque
 * miss` / `opaque hit`: the same through RFC 7662 introspection. `dpop`: one bound access token
 * with a fresh ES256 proof per request.
 */
export type WorkloadKind = 'hit' | 'miss' | 'opaque miss' | 'opaque hit' | 'dpop';

/**
 * A contender's part in the goal table. `baseline`: the framework with no auth, what added CPU
 * is counted from. `floor`: the least a careful developer writes (hand-rolled `node:crypto`, one
 * pooled `undici` call per introspection, a key-cached DPoP check). `anchor`: a library users
 * pick instead. `info`: shown, read against no goal.
 */
export type Role = 'baseline' | 'tokenguard' | 'floor' | 'anchor' | 'info';

/**
 * What the sanity step asks of a contender before each of its measurements: `subject`, a valid
 * token answered 200 with its own `sub` in the body; `tampered`, the same token with one
 * signature character changed answered 401; `replay`, a DPoP proof sent twice answered 401 the
 * second time; `bound-as-bearer`, a DPoP-bound token sent as a Bearer token answered 401;
 * `inactive`, a made-up opaque token answered 401.
 */
export type Check = 'subject' | 'tampered' | 'replay' | 'bound-as-bearer' | 'inactive';

/** Where a workload's tokens come from, beyond the algorithm. */
export interface TokenShape {
  /** The JOSE `typ` of the access tokens; default `at+jwt` (RFC 9068). */
  typ?: string;
}

export interface ContenderDef {
  /** Its name in the server's switch and in results: `tokenguard`, `jose`, `none`. */
  id: string;
  /** Its row label in the tables. */
  label: string;
  role: Role;
  /** The workloads it runs; `miss` lists the algorithms. */
  workloads: { hit?: true; miss?: readonly Alg[]; opaque?: true; dpop?: true };
  /** The sanity checks it must pass; default: `subject` and `tampered` for JWT workloads. */
  checks?: readonly Check[];
  /** `typ: JWT` tokens instead of RFC 9068 ones (for verifiers that refuse `at+jwt`). */
  tokens?: TokenShape;
  /** Left out of `--quick` (which keeps the rows the goal table needs). */
  fullOnly?: boolean;
  /** Configured for one algorithm: a server per algorithm (otherwise one serves them all). */
  perAlg?: boolean;
}

export interface FrameworkDef {
  /** Its name in results and `--filter`: `express`, `nest-fastify`. */
  id: string;
  /** Its name in headings: `Express 5`. */
  title: string;
  /** The hit-path goal: tokenguard's added CPU per request over this framework's no-auth, µs. */
  hitGoal?: number;
  contenders: readonly ContenderDef[];
  /** Starts the server for one contender (in the server process: import frameworks lazily). */
  start(config: ServerConfig): Promise<Server>;
}

/** What one API server process serves: a framework, a contender, `GET /orders`. */
export interface ServerConfig {
  framework: string;
  contender: string;
  as: AuthServerInfo;
  /** The algorithm of the tokens it will see, for verifiers configured with one (`perAlg`). */
  alg: Alg;
}
