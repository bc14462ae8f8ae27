export {
  attackCases,
  attackGuardOptions,
  expectedAttackResult,
  runAttackCase,
  startTrap,
} from './attacks.js';
export { createAuthorizationServer } from './authorization-server.js';
export { createCertificates } from './certificates.js';
export {
  CONFORMANCE_GUARD_ANY_SCOPES,
  CONFORMANCE_REALM,
  CONFORMANCE_RESOURCE,
  CONFORMANCE_ROUTES,
  CONFORMANCE_SCOPES,
  conformanceBody,
  conformanceCases,
  conformanceGuardOptions,
  runConformanceCase,
} from './conformance.js';
export { createDpopKey, createDpopProof, jwkThumbprint } from './dpop.js';
export { FAULT_ENDPOINTS } from './faults.js';
export { SIGNING_ALGORITHMS } from './keys.js';
export { DEFAULT_CLIENT_ID, DEFAULT_SCOPE, DEFAULT_SUBJECT } from './mint.js';
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
export { createRsaKeyPair } from './rsa.js';
export { signJwt } from './sign-jwt.js';

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type {
  AttackCase,
  AttackContext,
  AttackRequest,
  AttackResult,
  AttackUpstream,
  Trap,
} from './attacks.js';
export type {
  AuthorizationServer,
  AuthorizationServerOptions,
  RotateKeysOptions,
  SigningKids,
} from './authorization-server.js';
export type { IssuedCertificate, TestCertificates } from './certificates.js';
export type { ClientRegistration, RegisteredClient, TokenFormat } from './clients.js';
export type {
  ConformanceCase,
  ConformanceClaims,
  ConformanceOuterLevel,
  ConformanceRequest,
  ConformanceResponse,
  ConformanceRoute,
} from './conformance.js';
export type { DpopAlgorithm, DpopKey, DpopProofInput } from './dpop.js';
export type { Fault, FaultEndpoint, FaultSwitches, RequestCounts } from './faults.js';
export type { AddKeyOptions, PublishedKey, SigningAlgorithm } from './keys.js';
export type { Claims, MintAccessTokenOptions, MintAlgorithm, TokenTiming } from './mint.js';
export type { RedisServer } from './redis-server.js';
export type { ModelClaimRule, ModelRequirements } from './requirements-model.js';
export type { RsaKeyPairOptions } from './rsa.js';
export type { SigningKeyInput, SignJwtInput } from './sign-jwt.js';
