import type { FrameworkDef } from './types.js';

const ALL = ['RS256', 'ES256', 'EdDSA'] as const;
const DPOP_CHECKS = ['subject', 'tampered', 'replay', 'bound-as-bearer'] as const;

/** Fastify 5: each contender registered as its README shows, in front of the same route. */
export const fastify: FrameworkDef = {
  id: 'fastify',
  title: 'Fastify 5',
  hitGoal: 8,
  contenders: [
    { id: 'none', label: 'no auth', role: 'baseline', workloads: { hit: true }, checks: [] },
    {
      id: 'tokenguard',
      label: '**tokenguard** plugin, `global: true`',
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
      id: 'fastify-auth0-verify',
      label: 'fastify-auth0-verify',
      role: 'anchor',
      workloads: { miss: ['RS256'] },
    },
    {
      id: '@fastify/jwt+get-jwks',
      label: '@fastify/jwt + get-jwks',
      role: 'anchor',
      workloads: { miss: ['RS256', 'ES256'] },
      fullOnly: true,
    },
    {
      id: 'tokenguard-introspection',
      label: '**tokenguard**, introspection',
      role: 'tokenguard',
      workloads: { opaque: true },
      checks: ['subject', 'inactive'],
    },
    {
      id: 'introspection-undici',
      label: 'one pooled `undici` request per call (floor)',
      role: 'floor',
      workloads: { opaque: true },
      checks: ['subject', 'inactive'],
    },
    {
      id: 'introspection-fetch',
      label: 'global `fetch` per call',
      role: 'info',
      workloads: { opaque: true },
      checks: ['subject', 'inactive'],
      fullOnly: true,
    },
    {
      id: 'dpop-handrolled',
      label: 'hand-rolled DPoP check, proof key cached (floor)',
      role: 'floor',
      workloads: { dpop: true },
      checks: DPOP_CHECKS,
    },
    {
      id: 'tokenguard-dpop',
      label: '**tokenguard** plugin, DPoP allowed',
      role: 'tokenguard',
      workloads: { dpop: true },
      checks: DPOP_CHECKS,
    },
  ],
  start: async (config) => (await import('./fastify-server.js')).start(config),
};
