export { createRedisStore } from './redis-store.js';

// Types.

export type { NodeRedisLike, RedisStore, RedisStoreOptions } from './redis-store.js';
