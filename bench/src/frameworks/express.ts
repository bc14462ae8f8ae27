import type { FrameworkDef } from './types.js';

const ALL = ['RS256', 'ES256', 'EdDSA'] as const;

/** Express 5: the route behind each contender's middleware, mounted as its README shows. */
export const express: FrameworkDef = {
  id: 'express',
  title: 'Express 5',
  hitGoal: 10,
  contenders: [
    { id: 'none', label: 'no auth', role: 'baseline', workloads: { hit: true }, checks: [] },
    {
      id: 'tokenguard',
      label: '**tokenguard** `requireToken()`',
      role: 'tokenguard',
      workloads: { hit: true, miss: ALL },
    },
    {
      // Where a first-seen token's cost goes: the same without the verified-token cache, so
      // without the insert (and the eviction, and the retained entries' GC) the default pays.
      id: 'tokenguard-nocache',
      label: '**tokenguard**, `cache: false`',
      role: 'info',
      workloads: { miss: ['RS256'] },
      fullOnly: true,
    },
    {
      id: 'handrolled',
      label: 'hand-rolled node:crypto (floor)',
      role: 'floor',
      workloads: { miss: ALL },
    },
    {
      id: 'handrolled-threadpool',
      label: 'hand-rolled, `crypto.verify` on the threadpool',
      role: 'info',
      workloads: { miss: ['RS256', 'ES256'] },
      fullOnly: true,
    },
    {
      id: 'jose',
      label: 'jose@6 `jwtVerify`, remote JWKS',
      role: 'anchor',
      workloads: { miss: ALL },
    },
    {
      id: 'express-oauth2-jwt-bearer',
      label: 'express-oauth2-jwt-bearer',
      role: 'anchor',
      workloads: { miss: ['RS256', 'ES256'] },
      perAlg: true,
    },
    {
      id: 'express-jwt+jwks-rsa',
      label: 'express-jwt + jwks-rsa',
      role: 'anchor',
      workloads: { miss: ['RS256', 'ES256'] },
      perAlg: true,
      fullOnly: true,
    },
    {
      id: 'dpop-floor',
      label: 'one ES256 `crypto.verify` of the proof, nothing else',
      role: 'info',
      workloads: { dpop: true },
      checks: [],
      fullOnly: true,
    },
    {
      id: 'dpop-handrolled',
      label: 'hand-rolled DPoP check, proof key cached (floor)',
      role: 'floor',
      workloads: { dpop: true },
      checks: ['subject', 'tampered', 'replay', 'bound-as-bearer'],
    },
    {
      id: 'tokenguard-dpop',
      label: '**tokenguard** `requireToken()`, DPoP allowed',
      role: 'tokenguard',
      workloads: { dpop: true },
      checks: ['subject', 'tampered', 'replay', 'bound-as-bearer'],
    },
    {
      id: 'express-oauth2-jwt-bearer-dpop',
      label: 'express-oauth2-jwt-bearer, DPoP on',
      role: 'anchor',
      workloads: { dpop: true },
      checks: ['subject', 'tampered', 'replay', 'bound-as-bearer'],
      fullOnly: true,
    },
  ],
  start: async (config) => (await import('./express-server.js')).start(config),
};
