#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { type AuthorizationServer, createAuthorizationServer } from './authorization-server.js';

const USAGE = `Usage: tokenguard-dev-server [options]

Starts a local OAuth 2.0 authorization server for development and prints how to use it.

Options:
  --port <n>         port to listen on (default: the --issuer's port, else a free one)
  --host <address>   address to listen on (default: 127.0.0.1)
  --issuer <url>     issuer identifier, may have a path (default: http://<host>:<port>)
  --audience <aud>   audience of the tokens (default: https://api.example.com)
  --once             print everything, then stop (exit code 0)
  --help             show this help
`;

async function main(args: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(args).values;
  } catch (error) {
    process.stderr.write(`tokenguard-dev-server: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = portFrom(values.port, values.issuer);
  if (port === undefined) {
    process.stderr.write('tokenguard-dev-server: --port must be an integer from 0 to 65535\n');
    return 2;
  }
  const server = await createAuthorizationServer({
    port,
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.issuer === undefined ? {} : { issuer: values.issuer }),
    ...(values.audience === undefined ? {} : { audience: values.audience }),
  });
  process.stdout.write(await describe(server, values.once === true));
  if (!values.once) {
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
  await server.close();
  return 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      once: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

// Without --port, listen where the issuer says, so that `--issuer http://127.0.0.1:4000` just works.
function portFrom(port: string | undefined, issuer: string | undefined): number | undefined {
  if (port === undefined) {
    try {
      return issuer === undefined ? 0 : Number(new URL(issuer).port || 0);
    } catch {
      return 0; // createAuthorizationServer explains what is wrong with the issuer
    }
  }
  const value = Number(port);
  return /^\d+$/.test(port) && value <= 65535 ? value : undefined;
}

async function describe(server: AuthorizationServer, once: boolean): Promise<string> {
  const client = server.defaultClient;
  const token = await server.mintAccessToken();
  const claims = decodeJwt(token);
  const rows: [string, string][] = [
    ['issuer', server.issuer],
    ['metadata', server.metadataUri],
    ['jwks_uri', server.jwksUri],
    ['token_endpoint', server.tokenEndpoint],
    ['introspection_endpoint', server.introspectionEndpoint],
    ['audience', server.audience],
    ['client_id', client.clientId],
    ['client_secret', client.clientSecret],
  ];
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return [
    `tokenguard dev authorization server ${once ? '(--once: stopping after this)' : 'is running (Ctrl+C to stop)'}`,
    '',
    ...rows.map(([name, value]) => `  ${name.padEnd(width)}${value}`),
    '',
    `Sample access token (${server.algorithm}, sub "${claims.sub}", scope "${claims.scope}", valid ${Number(claims.exp) - Number(claims.iat)} s):`,
    token,
    '',
    'Get a token with the client credentials grant:',
    `  curl -s -u '${client.clientId}:${client.clientSecret}' -d grant_type=client_credentials ${server.tokenEndpoint}`,
    '',
    'Point your API at it:',
    `  TOKENGUARD_ISSUER=${server.issuer} TOKENGUARD_AUDIENCE=${server.audience}`,
    '',
  ].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tokenguard-dev-server: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
