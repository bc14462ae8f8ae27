export { TokenGuardInstrumentation } from './instrumentation.js';

// Types.

export type { TokenGuardInstrumentationConfig } from './instrumentation.js';
