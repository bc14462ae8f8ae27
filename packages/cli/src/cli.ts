#!/usr/bin/env node
import { DOCTOR_USAGE, runDoctor } from './doctor.js';

const USAGE = `Usage: tokenguard <command> [options]

Commands:
  doctor   explain why tokenguard accepts or rejects a token (tokenguard doctor --help)
`;

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'doctor') return runDoctor(rest);
  if (command === undefined || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n${DOCTOR_USAGE}`);
    return command === undefined ? 2 : 0;
  }
  // Never echoed: it may be a token given by mistake.
  process.stderr.write(`tokenguard: unknown command\n\n${USAGE}`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
