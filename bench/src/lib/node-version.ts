// `--node=<major>` (or `--node <major>`, or TOKENGUARD_BENCH_NODE=<major>): measure on another Node
// major. The script starts again under the npm registry's `node@<major>` (`npx -y -p node@<major>`,
// whose package ships the binary), with that binary first on PATH. Every process of the run then
// runs on it: the micro benchmarks (in this process), the API servers, the load generator, the
// authorization server and the memory flood (all started with process.execPath).
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { delimiter, dirname } from 'node:path';

const ENV = 'TOKENGUARD_BENCH_NODE';
// Set for the restarted script, so a registry binary of the wrong major fails instead of looping.
const RESTARTED = 'TOKENGUARD_BENCH_NODE_RESTARTED';

/** The running Node's major version, as a string ('24'). */
export const nodeMajor = (): string => process.versions.node.split('.')[0] as string;

/**
 * Returns `args` without `--node`. When `--node` or TOKENGUARD_BENCH_NODE asks for a major other
 * than the running one, runs this script again under that Node instead and exits with its code.
 */
export async function onRequestedNode(args: readonly string[]): Promise<string[]> {
  const rest: string[] = [];
  let wanted = process.env[ENV] || undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--node') wanted = args[++i];
    else if (arg.startsWith('--node=')) wanted = arg.slice('--node='.length);
    else rest.push(arg);
  }
  if (wanted === undefined || wanted === nodeMajor()) return rest;
  if (!/^[1-9][0-9]*$/.test(wanted)) {
    throw new TypeError(`bench: "--node" (or ${ENV}) must be a Node major version such as 24`);
  }
  if (process.env[RESTARTED]) {
    throw new Error(`bench: asked for Node ${wanted}, but node@${wanted} runs ${process.version}`);
  }
  const node = execFileSync(
    'npx',
    ['-y', '-p', `node@${wanted}`, 'node', '-p', 'process.execPath'],
    // Outside the workspace, so nothing in it decides which package npx runs.
    { cwd: tmpdir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  ).trim();
  console.error(`  · Node ${wanted}: running again under ${node}`);
  const child = spawn(node, [...process.execArgv, process.argv[1] as string, ...rest], {
    stdio: 'inherit',
    env: {
      ...process.env,
      [ENV]: wanted,
      [RESTARTED]: '1',
      PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`,
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  const code = await new Promise<number>((resolve) =>
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))),
  );
  process.exit(code);
}
