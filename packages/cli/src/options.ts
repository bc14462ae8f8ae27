import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { optionsFromEnv, type TokenGuardOptions } from '@tokenguard/core';
import { ENV_VARIABLES } from '@tokenguard/core/diagnose';

/** Guard options and where each came from, to name the place to fix in a fix line. */
export interface LoadedOptions {
  readonly options: TokenGuardOptions;
  /** `the environment`, or the config file's path. */
  readonly source: string;
  /** Where an option is set: `TOKENGUARD_AUDIENCE`, or `"audience" in tokenguard.json`. */
  where(option: string): string;
}

/**
 * The options `requireToken()` would use: from `TOKENGUARD_*` (core's `optionsFromEnv()`, with
 * its check for unknown variables), or from a JSON file of core's options. Throws a `TypeError`
 * naming the mistake.
 */
export async function loadOptions(
  env: Readonly<Record<string, string | undefined>>,
  config: string | undefined,
  cwd: string,
): Promise<LoadedOptions> {
  if (config === undefined) {
    const options = optionsFromEnv(env);
    return {
      options,
      source: 'the environment',
      where: (option) =>
        ENV_VARIABLES.find((variable) => variable.option === option)?.name ??
        `TOKENGUARD_* (${option})`,
    };
  }
  const path = resolve(cwd, config);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new TypeError(`tokenguard doctor: cannot read the config file ${config}`);
  }
  let options: unknown;
  try {
    options = JSON.parse(text);
  } catch {
    throw new TypeError(`tokenguard doctor: ${config} is not JSON`);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`tokenguard doctor: ${config} must hold an object of guard options`);
  }
  return {
    options: options as TokenGuardOptions,
    source: config,
    where: (option) => `"${option}" in ${config}`,
  };
}

/** What is shown of the options: never a secret, a private key or a nonce secret. */
export function shownOptions(options: TokenGuardOptions): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  const keep = [
    'issuer',
    'audience',
    'jwksUri',
    'algorithms',
    'tokenTypes',
    'accessTokenProfile',
    'clockTolerance',
    'maxTokenAge',
    'scopes',
    'anyScopes',
    'resource',
    'publicUrl',
    'tokenLocations',
  ] as const;
  for (const key of keep) if (options[key] !== undefined) shown[key] = options[key];
  if (options.secret !== undefined) shown.secret = '(set)';
  const { introspection, dpop, mtls } = options;
  if (introspection !== undefined) {
    shown.introspection = {
      clientId: introspection.clientId,
      ...(introspection.endpoint !== undefined && { endpoint: introspection.endpoint }),
      ...(introspection.mode !== undefined && { mode: introspection.mode }),
    };
  }
  if (dpop !== undefined) shown.dpop = { mode: dpop.mode ?? 'allowed' };
  if (mtls !== undefined) shown.mtls = { required: mtls.required ?? false };
  return shown;
}
