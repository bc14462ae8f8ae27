// @tokenguard/core/diagnose: what the token doctor (`@tokenguard/cli`) needs to explain a guard's
// decisions without making any of its own: each check in the order the guard runs it, the
// upstream endpoints fetched now, and the environment variables the options come from.
export type { CheckName } from './diagnose/checks.js';
export { CHECK_TITLES, checkOf, checkOrder } from './diagnose/checks.js';
export type {
  DiagnoseDpop,
  Diagnosis,
  DiagnosisCheck,
  UpstreamCheck,
} from './diagnose/diagnose-token.js';
export { checkUpstream, diagnoseToken } from './diagnose/diagnose-token.js';
export type { EnvVariable } from './env.js';
export { ENV_VARIABLES } from './env.js';
export { describeDetails } from './logger.js';
