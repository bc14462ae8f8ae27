import type { FrameworkDef } from './types.js';

const contenders = (platform: 'express' | 'fastify'): FrameworkDef['contenders'] => [
  { id: 'none', label: 'no auth', role: 'baseline', workloads: { hit: true }, checks: [] },
  {
    id: 'tokenguard',
    label: '**tokenguard** `TokenGuardModule`, global guard',
    role: 'tokenguard',
    workloads: { hit: true, miss: ['RS256'] },
  },
  ...(platform === 'express'
    ? ([
        {
          id: 'passport-jwt+jwks-rsa',
          label: '@nestjs/passport + passport-jwt + jwks-rsa',
          role: 'anchor',
          workloads: { miss: ['RS256'] },
          fullOnly: true,
        },
      ] as const)
    : []),
];

/** NestJS on its Express platform: the same controller behind each contender's guard. */
export const nestExpress: FrameworkDef = {
  id: 'nest-express',
  title: 'NestJS on Express',
  hitGoal: 12,
  contenders: contenders('express'),
  start: async (config) => (await import('./nest-server.js')).start(config, 'express'),
};

/** NestJS on its Fastify platform. */
export const nestFastify: FrameworkDef = {
  id: 'nest-fastify',
  title: 'NestJS on Fastify',
  hitGoal: 12,
  contenders: contenders('fastify'),
  start: async (config) => (await import('./nest-server.js')).start(config, 'fastify'),
};
