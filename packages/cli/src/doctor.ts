import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type AuthRequirements, createTokenGuard, type TokenGuard } from '@tokenguard/core';
import {
  checkUpstream,
  type DiagnoseDpop,
  type Diagnosis,
  diagnoseToken,
  type UpstreamCheck,
} from '@tokenguard/core/diagnose';
import { checkFix, upstreamFix } from './fixes.js';
import { type LoadedOptions, loadOptions, shownOptions } from './options.js';
import { render } from './render.js';
import type { DoctorCheck, DoctorReport } from './report.js';

export const DOCTOR_USAGE = `Usage: tokenguard doctor [options] < token.txt

Explains what tokenguard decides about an access token, check by check, with the options your
API uses (TOKENGUARD_* variables, or --config): discovery, keys, then every check of the token,
each with ✔ or ✘, the expected and the actual value, and the fix. Exit status 0 when the token
is accepted, 1 when it is not (or the issuer cannot be reached).

The token is read from stdin or --token-file, never from an argument (it would land in your
shell history), and never printed.

Options:
  --token-file <path>  read the token from this file instead of stdin
  --config <path>      guard options from this JSON file instead of the environment
  --scope <scope>      a scope the route requires (repeat for several)
  --any-scope <scope>  one of these scopes is required (repeat for several)
  --dpop <path>        a DPoP proof (file) to check with the token, for --method and --url
  --method <method>    the request's method, for --dpop (default GET)
  --url <url>          the URL the client called, for --dpop
  --json               print a JSON report for scripts
  --help               show this help
`;

/** Where the doctor reads and writes; `process`'s by default. */
export interface DoctorIo {
  env: Readonly<Record<string, string | undefined>>;
  stdin: AsyncIterable<string | Uint8Array> & { isTTY?: boolean };
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

class UsageError extends Error {}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'token-file': { type: 'string' },
      config: { type: 'string' },
      scope: { type: 'string', multiple: true },
      'any-scope': { type: 'string', multiple: true },
      dpop: { type: 'string' },
      method: { type: 'string' },
      url: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) {
    // Never echoed: it may be the token itself.
    throw new UsageError(
      'the doctor takes no arguments: give the token on stdin or with --token-file, never as an argument (it would land in your shell history)',
    );
  }
  if ((values.dpop === undefined) !== (values.url === undefined)) {
    throw new UsageError('--dpop and --url go together: the proof, and the URL it was made for');
  }
  return values;
}

async function readText(stream: DoctorIo['stdin']): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  }
  return text;
}

async function readSecret(path: string, what: string, cwd: string): Promise<string> {
  try {
    return (await readFile(resolve(cwd, path), 'utf8')).trim();
  } catch {
    throw new UsageError(`cannot read the ${what} file ${path}`);
  }
}

function upstreamReport(
  results: readonly UpstreamCheck[],
  where: LoadedOptions['where'],
): DoctorReport['upstream'] {
  return results.map((result) => ({
    endpoint: result.endpoint,
    issuer: result.issuer,
    outcome: result.outcome,
    ...(result.url !== undefined && { url: result.url }),
    ...(result.keys !== undefined && { keys: result.keys }),
    ...(result.error !== undefined && {
      error: {
        message: result.error.message,
        ...(result.error.code !== undefined && { code: result.error.code }),
        ...(result.error.status !== undefined && { status: result.error.status }),
      },
      fix: upstreamFix(result.error, where),
    }),
  }));
}

/**
 * `tokenguard doctor`: loads the options, fetches discovery and keys, reads the token (stdin or
 * `--token-file`) and prints each check core made, with the fix for the one that failed. Resolves
 * to the exit status: 0 accepted, 1 rejected or unreachable, 2 a usage mistake.
 *
 * @example
 * ```ts
 * const status = await runDoctor(['--scope', 'orders:read', '--json'], { stdin: Readable.from([token]) });
 * ```
 */
export async function runDoctor(args: string[], given: Partial<DoctorIo> = {}): Promise<number> {
  const io: DoctorIo = {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    ...given,
  };
  let values: ReturnType<typeof parse>;
  try {
    values = parse(args);
  } catch (error) {
    io.stderr.write(`tokenguard doctor: ${(error as Error).message}\n\n${DOCTOR_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(DOCTOR_USAGE);
    return 0;
  }
  const json = values.json === true;
  const print = (report: DoctorReport) =>
    io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : render(report));

  let loaded: LoadedOptions;
  let guard: TokenGuard;
  try {
    loaded = await loadOptions(io.env, values.config, io.cwd);
    guard = createTokenGuard({ ...loaded.options, logger: false, warmUp: undefined });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    print({ ok: false, options: { error: error.message }, upstream: [] });
    return 1;
  }
  try {
    let token: string;
    let dpop: DiagnoseDpop | undefined;
    try {
      if (values['token-file'] === undefined && io.stdin.isTTY === true) {
        throw new UsageError(
          'give the token on stdin (… | tokenguard doctor) or with --token-file',
        );
      }
      token =
        values['token-file'] === undefined
          ? (await readText(io.stdin)).trim()
          : await readSecret(values['token-file'], 'token', io.cwd);
      if (token === '') throw new UsageError('no token: stdin (or the --token-file) was empty');
      if (values.dpop !== undefined && values.url !== undefined) {
        dpop = {
          proof: await readSecret(values.dpop, 'DPoP proof', io.cwd),
          method: (values.method ?? 'GET').toUpperCase(),
          url: values.url,
        };
      }
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.stderr.write(`tokenguard doctor: ${error.message}\n`);
      return 2;
    }

    const upstream = upstreamReport(await checkUpstream(guard), loaded.where);
    const requirements: AuthRequirements = {
      ...(values.scope !== undefined && { scopes: values.scope }),
      ...(values['any-scope'] !== undefined && { anyScopes: values['any-scope'] }),
    };
    const diagnosis =
      dpop !== undefined && loaded.options.dpop === undefined
        ? dpopOff(token)
        : await diagnoseToken(guard, token, { requirements, dpop });
    const checks: DoctorCheck[] = diagnosis.checks.map((check) => {
      if (check.outcome !== 'fail') return { ...check };
      const fix = checkFix(
        check.reason as string,
        check.details,
        diagnosis.rejection?.upstream,
        loaded.where,
      );
      return { ...check, ...(fix !== undefined && { fix }) };
    });
    const ok = diagnosis.ok && upstream.every((u) => u.outcome !== 'fail');
    print({
      ok,
      options: { source: loaded.source, shown: shownOptions(loaded.options) },
      upstream,
      token: {
        format: diagnosis.format,
        checks,
        ...(diagnosis.rejection !== undefined && { rejection: diagnosis.rejection }),
        ...(diagnosis.principal !== undefined && { principal: diagnosis.principal }),
      },
    });
    return ok ? 0 : 1;
  } finally {
    await guard.close();
  }
}

/** `--dpop` without DPoP in the options: nothing to check the proof with. */
function dpopOff(token: string): Diagnosis {
  return {
    ok: false,
    format: /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token) ? 'jwt' : 'opaque',
    checks: [{ check: 'proof', title: 'DPoP proof', outcome: 'fail', reason: 'dpop.disabled' }],
  };
}
