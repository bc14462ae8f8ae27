import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig('example-fastify-api');
