export { createAuthorizationServer } from './authorization-server.js';
export { createCertificates } from './certificates.js';
export { createDpopKey, createDpopProof, jwkThumbprint } from './dpop.js';
export { FAULT_ENDPOINTS } from './faults.js';
export { SIGNING_ALGORITHMS } from './keys.js';
export { DEFAULT_CLIENT_ID, DEFAULT_SCOPE, DEFAULT_SUBJECT } from './mint.js';
export { createRsaKeyPair } from './rsa.js';
export { signJwt } from './sign-jwt.js';

// Types. Values come first, then types; this comment keeps Biome's import sorting from
// interleaving the two groups.

export type {
  AuthorizationServer,
  AuthorizationServerOptions,
  RotateKeysOptions,
  SigningKids,
} from './authorization-server.js';
export type { IssuedCertificate, TestCertificates } from './certificates.js';
export type { ClientRegistration, RegisteredClient, TokenFormat } from './clients.js';
export type { DpopAlgorithm, DpopKey, DpopProofInput } from './dpop.js';
export type { Fault, FaultEndpoint, FaultSwitches, RequestCounts } from './faults.js';
export type { AddKeyOptions, PublishedKey, SigningAlgorithm } from './keys.js';
export type { Claims, MintAccessTokenOptions, MintAlgorithm, TokenTiming } from './mint.js';
export type { RsaKeyPairOptions } from './rsa.js';
export type { SigningKeyInput, SignJwtInput } from './sign-jwt.js';
