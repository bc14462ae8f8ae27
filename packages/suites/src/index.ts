export { attackGuardOptions, expectedAttackResult, runAttackCase } from './attacks/run.js';
export { attackCases } from './attacks/table.js';
export { startTrap } from './attacks/trap.js';
export { conformanceIsRevoked, revokeForConformance } from './conformance/revocation.js';
export {
  CONFORMANCE_COOKIE,
  CONFORMANCE_GUARD_ANY_SCOPES,
  CONFORMANCE_REALM,
  CONFORMANCE_RESOURCE,
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  conformanceBody,
  conformanceGuardOptions,
  cookieGuardOptions,
} from './conformance/routes.js';
export { runConformanceCase } from './conformance/run.js';
export { conformanceCases } from './conformance/table.js';
export { captureLog, operabilityCases } from './operability.js';
export {
  PLAIN_AUDIENCES,
  plainCases,
  providerFixtures,
  runProviderCase,
  runProviderRequest,
} from './providers/table.js';
export { redisServerAvailable, redisSkipReason, startRedisServer } from './redis-server.js';
export {
  composable,
  expectedStatus,
  meetsAuthorization,
  meetsStepUp,
  REQUIREMENTS_MODEL,
  requirementsArbitrary,
  tokenClaimsArbitrary,
} from './requirements-model.js';
export { sendRequest } from './send.js';

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type { Trap } from './attacks/trap.js';
export type {
  AttackCase,
  AttackContext,
  AttackRequest,
  AttackResult,
  AttackUpstream,
} from './attacks/types.js';
export type { ConformanceRevocationCheck } from './conformance/revocation.js';
export type {
  ConformanceCase,
  ConformanceClaims,
  ConformanceOuterLevel,
  ConformancePrincipal,
  ConformanceRequest,
  ConformanceResponse,
  ConformanceRoute,
  PrincipalBody,
} from './conformance/routes.js';
export type { ConformanceTransport } from './conformance/run.js';
export type {
  CapturedLog,
  OperabilityCase,
  OperabilityOptions,
  OperabilityStart,
} from './operability.js';
export type {
  PlainCase,
  PresetName,
  ProviderCase,
  ProviderFixture,
} from './providers/fixture.js';
export type { ProviderOutcome } from './providers/table.js';
export type { RedisServer } from './redis-server.js';
export type { ModelClaimRule, ModelRequirements } from './requirements-model.js';
export type { SendOptions, SentResponse } from './send.js';
