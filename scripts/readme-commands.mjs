#!/usr/bin/env node
// Runs the commands the READMEs of the examples, of @tokenguard/redis and of @tokenguard/testing
// show, as written, in a clean clone of this repository after the install command only: servers
// are started, asked what the README says they answer, and stopped; every other command must
// succeed and print what the README says it prints. Each README's shell blocks are read from the
// README itself, so a command that changes there changes here; a block or a line this script
// does not know how to check fails the run (tell it below, or say why it is not run).
//
//   node scripts/readme-commands.mjs            # clone HEAD into a temporary directory, install, run
//   node scripts/readme-commands.mjs --keep     # … and keep the clone (its path is printed)
//
// Builds come from turbo's cache when this checkout has built the same sources (TURBO_CACHE_DIR
// points the clone at this checkout's cache), as in CI after the test command: the commands still
// go through their own build step, and a package that is not in the cache is built for real.
// Uses fixed ports, as the READMEs do: 3000, 3001, 3002, 4000, 6379, 8080, 9000.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const INSTALL = 'npx -y pnpm@10 install --frozen-lockfile';
const SERVER_READY_TIMEOUT = 120_000; // the first start may build every package it uses
const COMMAND_TIMEOUT = 300_000;

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const started = Date.now();
const timings = [];

class Failure extends Error {}
const fail = (message) => {
  throw new Failure(message);
};
const expect = (condition, message) => {
  if (!condition) fail(message);
};

// ---------------------------------------------------------------------------------------------
// Processes: every one in its own process group, so that stopping a server stops what it started
// (npm → sh → turbo, tsx → node); only groups this script started are ever signalled.

const children = new Set();

function baseEnv() {
  const env = { ...process.env };
  // A user's shell, not this one: the READMEs set these where they mean to.
  for (const name of Object.keys(env)) {
    if (/^(TOKENGUARD_|PORT$|REDIS_URL$|NEST_PLATFORM$)/.test(name)) delete env[name];
  }
  return env;
}

/** Runs one shell line to completion; its output, or a failure with the output. */
async function sh(line, { cwd, env, timeout = COMMAND_TIMEOUT }) {
  const child = spawn('bash', ['-c', line], { cwd, env, detached: true });
  children.add(child);
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stopGroup(child);
  }, timeout);
  const [code] = await once(child, 'close');
  clearTimeout(timer);
  children.delete(child);
  if (timedOut)
    fail(`\`${line}\` did not finish within ${timeout / 1000} s (in ${cwd}):\n${tail(output)}`);
  if (code !== 0) fail(`\`${line}\` exited with ${code} (in ${cwd}):\n${tail(output)}`);
  return plain(output);
}

/** Starts a long-running line; resolves once its output matches `ready`. */
async function serve(line, { cwd, env, ready, port, orAlreadyRunning }) {
  if (port !== undefined && (await listening(port))) {
    if (await orAlreadyRunning?.(port)) return undefined;
    fail(`port ${port} is in use; \`${line}\` needs it (stop what listens there)`);
  }
  const child = spawn('bash', ['-c', line], { cwd, env, detached: true });
  children.add(child);
  const server = { line, child, output: '', port };
  child.stdout.on('data', (chunk) => {
    server.output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    server.output += chunk;
  });
  const deadline = Date.now() + SERVER_READY_TIMEOUT;
  while (!ready.test(server.output)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      fail(`\`${line}\` exited before it was ready (in ${cwd}):\n${tail(server.output)}`);
    }
    if (Date.now() > deadline) {
      await stop(server);
      fail(
        `\`${line}\` printed no ${ready} within ${SERVER_READY_TIMEOUT / 1000} s:\n${tail(server.output)}`,
      );
    }
    await sleep(50);
  }
  return server;
}

function stopGroup(child, signal = 'SIGTERM') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stop(server) {
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    stopGroup(child);
    const timer = setTimeout(() => stopGroup(child, 'SIGKILL'), 10_000);
    await once(child, 'close');
    clearTimeout(timer);
  }
  // The group may outlive its leader for a moment: make sure nothing of it is left.
  stopGroup(child, 'SIGKILL');
  children.delete(child);
  if (server.port !== undefined) {
    for (let i = 0; i < 100 && (await listening(server.port)); i++) await sleep(50);
  }
}

/** Whether a Redis answers on `port` (PING), as the Debian package's service does on 6379. */
function isRedis(port) {
  return new Promise((resolveRedis) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let answer = '';
    socket.setTimeout(2_000, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk;
      if (answer.includes('\r\n')) socket.end();
    });
    socket.once('close', () => resolveRedis(answer.startsWith('+PONG')));
    socket.once('error', () => resolveRedis(false));
  });
}

function listening(port) {
  return new Promise((resolvePort) => {
    // `localhost`: IPv4 or IPv6, whichever the server bound (the MCP example binds localhost).
    const socket = connect({ port, host: 'localhost', autoSelectFamily: true });
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}

/** Without terminal colours (vitest's, turbo's), so that the text can be matched. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what we remove
const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');
const sleep = (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
const tail = (text) => text.split('\n').slice(-40).join('\n');

/** One HTTP request, with any Host header: what a client behind a load balancer sends. */
function http(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolveHttp, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolveHttp({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// READMEs: their ```sh blocks, as logical lines (continuations joined, comments dropped).

function shellBlocks(file) {
  const text = readFileSync(join(clone, file), 'utf8');
  return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

function logicalLines(block) {
  return block
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

// ---------------------------------------------------------------------------------------------
// What each README's commands must do.

/** Checks an example API started without TOKENGUARD_ISSUER: the lines it prints, run as printed. */
async function checkLocalApi(server, { api, post = false }) {
  const out = server.output;
  const printedApi = /^orders API\s+(http:\/\/\S+)/m.exec(out)?.[1];
  expect(printedApi === api, `expected "orders API  ${api}", got:\n${tail(out)}`);
  expect(
    /^authorization server\s+http:\/\/127\.0\.0\.1:\d+ \(local, in memory; TOKENGUARD_ISSUER is unset\)$/m.test(
      out,
    ),
    `no "authorization server … (local, in memory; TOKENGUARD_ISSUER is unset)" line:\n${tail(out)}`,
  );
  expect(
    /^client\s+orders-client \/ \S+$/m.test(out),
    `no "client orders-client / <secret>" line:\n${tail(out)}`,
  );
  const printed = out
    .split('\n')
    .filter((line) => /^ {2}(curl|TOKEN=)/.test(line))
    .map((line) => line.trim());
  const [getToken, setToken, ...calls] = printed;
  expect(getToken?.startsWith('curl -s -u'), `no "Get a token" curl line:\n${tail(out)}`);
  const token = JSON.parse(await sh(getToken, { cwd: repo, env: baseEnv(), timeout: 30_000 }));
  expect(
    typeof token.access_token === 'string' &&
      token.token_type === 'Bearer' &&
      token.scope === 'orders:read',
    `the token endpoint answered ${JSON.stringify(token)}`,
  );
  expect(setToken?.startsWith('TOKEN=$(curl'), `no TOKEN=$(curl …) line:\n${tail(out)}`);
  expect(
    calls.length === (post ? 2 : 1),
    `expected ${post ? 2 : 1} curl line(s) to call the API, got ${calls.length}`,
  );
  for (const call of calls) {
    const answer = await sh(`${setToken}\n${call}`, { cwd: repo, env: baseEnv(), timeout: 30_000 });
    const isPost = call.includes(' -d ');
    const status = isPost ? 'HTTP/1.1 201 Created' : 'HTTP/1.1 200 OK';
    expect(answer.startsWith(status), `\`${call}\` answered:\n${answer}`);
    expect(
      answer.includes(isPost ? '"item":"cups"' : '"orders":['),
      `\`${call}\` answered:\n${answer}`,
    );
  }
  // Without a token: 401, a bare Bearer challenge, no body (what the READMEs say).
  const anonymous = await http(`${api}/orders`);
  expect(
    anonymous.status === 401 &&
      /^Bearer\b/.test(anonymous.headers['www-authenticate'] ?? '') &&
      anonymous.text === '',
    `GET /orders without a token answered ${anonymous.status} ${JSON.stringify(anonymous.headers['www-authenticate'])} ${anonymous.text}`,
  );
}

/** Waits (at most 10 s) for a server to print `text`: its output comes over a pipe in chunks. */
async function waitForLine(server, text) {
  const deadline = Date.now() + 10_000;
  while (!server.output.includes(text) && Date.now() < deadline) await sleep(50);
  return server.output.includes(text);
}

/** Checks an example API started with TOKENGUARD_ISSUER=https://auth.example.com/: it listens on all interfaces and needs a token. */
async function checkConfiguredApi(server, port) {
  expect(
    await waitForLine(server, 'trusting https://auth.example.com/ for https://api.example.com'),
    `no "trusting https://auth.example.com/ for https://api.example.com" line:\n${tail(server.output)}`,
  );
  const health = await http(`http://127.0.0.1:${port}/health`);
  expect(health.status === 200, `GET /health answered ${health.status} ${health.text}`);
  const anonymous = await http(`http://127.0.0.1:${port}/orders`);
  expect(
    anonymous.status === 401 && /^Bearer\b/.test(anonymous.headers['www-authenticate'] ?? ''),
    `GET /orders without a token answered ${anonymous.status} ${anonymous.text}`,
  );
}

const localApi = (cwdLine, { post = false, platform } = {}) => ({
  match: cwdLine,
  // The last line it prints: the call to POST /orders (NestJS), else to GET /orders.
  ready: post ? /^ {2}curl -si .* -d .*\/orders\n/m : /^ {2}curl -si .*\/orders\n/m,
  port: 3000,
  async check(server) {
    await checkLocalApi(server, { api: 'http://127.0.0.1:3000', post });
    if (platform !== undefined) {
      expect(
        server.output.includes(`(NestJS on ${platform})`),
        `not on ${platform}:\n${tail(server.output)}`,
      );
    }
  },
});
const configuredApi = (match, port) => ({
  match,
  ready: /^orders API.*\b(?:port |:)\d+/m,
  port,
  check: (server) => checkConfiguredApi(server, port),
});
const turboTest = (pkg, expected = /Tests\s+\d+ passed/) => ({
  match: `npx -y pnpm@10 turbo run test --filter=${pkg}`,
  check(output) {
    expect(expected.test(output), `no ${expected} in the test output:\n${tail(output)}`);
    expect(
      !/skipped/.test(
        output
          .split('\n')
          .filter((l) => /Tests\s/.test(l))
          .join('\n'),
      ),
      `tests were skipped:\n${tail(output)}`,
    );
  },
});

/** The MCP example: the discovery challenge and the RFC 9728 document it points to. */
const mcpServer = (match, framework) => ({
  match,
  ready: /^client: notes-app \/ \S+/m,
  port: 3000,
  async check(server) {
    const out = server.output;
    const url = new RegExp(`^MCP server \\(${framework}\\): (\\S+)$`, 'm').exec(out)?.[1];
    expect(
      url === 'http://localhost:3000/mcp',
      `no "MCP server (${framework}): …/mcp" line:\n${tail(out)}`,
    );
    const issuer = /^authorization server: (\S+)$/m.exec(out)?.[1];
    expect(issuer !== undefined, `no "authorization server:" line:\n${tail(out)}`);
    const metadata = 'http://localhost:3000/.well-known/oauth-protected-resource/mcp';
    const challenge = await http(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(
      challenge.status === 401 &&
        (challenge.headers['www-authenticate'] ?? '').includes(`resource_metadata="${metadata}"`),
      `POST /mcp without a token answered ${challenge.status} ${challenge.headers['www-authenticate']}`,
    );
    const document = await http(metadata);
    const body = JSON.parse(document.text);
    expect(
      document.status === 200 &&
        body.resource === 'http://localhost:3000/mcp' &&
        body.authorization_servers?.[0] === issuer &&
        body.scopes_supported?.includes('notes:write'),
      `the metadata document answered ${document.status} ${document.text}`,
    );
  },
});

/** The DPoP replay across two instances sharing Redis (packages/redis/README.md). */
async function checkTwoInstances(servers) {
  const devServer = servers.find((server) => server.line.includes('dev-server'));
  const field = (name) => new RegExp(`^ {2}${name}\\s+(\\S+)$`, 'm').exec(devServer.output)?.[1];
  const [clientId, clientSecret, tokenEndpoint] = [
    field('client_id'),
    field('client_secret'),
    field('token_endpoint'),
  ];
  expect(
    clientId && clientSecret && tokenEndpoint,
    `the dev server printed no client:\n${tail(devServer.output)}`,
  );
  expect(
    field('issuer') === 'http://127.0.0.1:9000',
    `the dev server's issuer is ${field('issuer')}`,
  );
  const testing = await import(pathToFileURL(join(clone, 'packages/testing/dist/index.mjs')).href);
  const key = testing.createDpopKey();
  const bound = await http(tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      dpop: await testing.createDpopProof({ key, htm: 'POST', htu: tokenEndpoint }),
    },
    body: 'grant_type=client_credentials',
  });
  const token = JSON.parse(bound.text).access_token;
  expect(
    bound.status === 200 && typeof token === 'string',
    `token endpoint: ${bound.status} ${bound.text}`,
  );
  // Both instances serve one public host, as behind a load balancer.
  const htu = 'http://api.example.test/orders';
  const call = async (port, proof) =>
    http(`http://127.0.0.1:${port}/orders`, {
      headers: { host: 'api.example.test', authorization: `DPoP ${token}`, dpop: proof },
    });
  const proof = await testing.createDpopProof({ key, htm: 'GET', htu, accessToken: token });
  const first = await call(3001, proof);
  expect(first.status === 200, `a fresh proof on 3001 answered ${first.status} ${first.text}`);
  const replay = await call(3002, proof);
  expect(
    replay.status === 401 &&
      /error="invalid_dpop_proof"/.test(replay.headers['www-authenticate'] ?? ''),
    `the same proof on 3002 answered ${replay.status} ${replay.headers['www-authenticate']}`,
  );
  const fresh = await call(
    3002,
    await testing.createDpopProof({ key, htm: 'GET', htu, accessToken: token }),
  );
  expect(fresh.status === 200, `a fresh proof on 3002 answered ${fresh.status} ${fresh.text}`);
}

/** `tokenguard-dev-server --port 4000`, and the README's curl lines against it. */
async function checkDevServer(server) {
  const field = (name) => new RegExp(`^ {2}${name}\\s+(\\S+)$`, 'm').exec(server.output)?.[1];
  expect(
    field('issuer') === 'http://127.0.0.1:4000',
    `issuer: ${field('issuer')}\n${tail(server.output)}`,
  );
  expect(
    server.output.includes(
      'TOKENGUARD_ISSUER=http://127.0.0.1:4000 TOKENGUARD_AUDIENCE=https://api.example.com',
    ),
    `no TOKENGUARD_ISSUER / TOKENGUARD_AUDIENCE line:\n${tail(server.output)}`,
  );
  expect(
    /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/m.test(server.output),
    `no sample access token:\n${tail(server.output)}`,
  );
  const printedCurl = server.output.split('\n').find((line) => line.startsWith('  curl -s -u'));
  const printed = JSON.parse(
    await sh(printedCurl.trim(), { cwd: repo, env: baseEnv(), timeout: 30_000 }),
  );
  expect(
    typeof printed.access_token === 'string',
    `the printed curl line got ${JSON.stringify(printed)}`,
  );
  // The README's own lines, from "From a shell, while a server runs", with the printed secret.
  const [jwksLine, tokenLine] = logicalLines(shellBlocks('packages/testing/README.md')[1]);
  const jwks = JSON.parse(await sh(jwksLine, { cwd: repo, env: baseEnv(), timeout: 30_000 }));
  expect(
    Array.isArray(jwks.keys) && jwks.keys.length === 4,
    `${jwksLine} answered ${JSON.stringify(jwks)}`,
  );
  expect(field('client_id') === 'test-client', `client_id: ${field('client_id')}`);
  const token = JSON.parse(
    await sh(tokenLine.replace('<secret>', field('client_secret')), {
      cwd: repo,
      env: baseEnv(),
      timeout: 30_000,
    }),
  );
  expect(typeof token.access_token === 'string', `${tokenLine} answered ${JSON.stringify(token)}`);
}

const NOT_FROM_THE_REGISTRY =
  'installs the published packages from the npm registry, which this commit is not; lint:package (publint, are-the-types-wrong) checks what it would install';

/**
 * Per README, one entry per ```sh block, in order: `skip` (with the reason), or what its lines
 * are — `servers` (started, checked, stopped: before the next line, or at the end of the block
 * when the line ends with `&`) and `commands` (run to completion, then checked). `cwd` is where
 * the README's reader stands when the block starts; `cd` lines move them.
 *
 * `lane`: the `first` blocks run one after the other, first — each example's first start, which
 * builds what that example uses, so that no two builds of one package ever run at once — then
 * the other lanes run side by side, each one block after the other: `ports` (servers on 3000 and
 * 8080), `commands` (no port of their own), `shared` (Redis, the dev servers: 3001, 3002, 4000,
 * 6379, 9000).
 */
const READMES = {
  'examples/express-api/README.md': [
    { cwd: '.', lane: 'first', servers: [localApi('npx -y pnpm@10 start')] },
    {
      cwd: 'examples/express-api',
      lane: 'ports',
      servers: [
        configuredApi(
          'TOKENGUARD_ISSUER=https://auth.example.com/ TOKENGUARD_AUDIENCE=https://api.example.com PORT=8080 npx -y pnpm@10 start',
          8080,
        ),
      ],
    },
    {
      cwd: '.',
      lane: 'commands',
      commands: [
        {
          match: 'npx -y pnpm@10 demo',
          check(output) {
            // As many steps as the README lists, every one as expected.
            const readme = readFileSync(join(clone, 'examples/express-api/README.md'), 'utf8');
            const section = readme.slice(readme.indexOf('## The demo'), readme.indexOf('## Tests'));
            const listed = section.split('\n').filter((line) => /^\d+\. /.test(line)).length;
            const last = `All ${listed} steps answered as expected.`;
            expect(
              output.includes(last),
              `the README lists ${listed} steps; the demo printed:\n${tail(output)}`,
            );
            expect(
              section.includes(last),
              `the README does not quote the demo's last line, "${last}"`,
            );
          },
        },
      ],
    },
    { cwd: '.', lane: 'commands', commands: [turboTest('@tokenguard/example-express-api')] },
  ],
  'examples/fastify-api/README.md': [
    {
      cwd: '.',
      lane: 'first',
      servers: [localApi('npx -y pnpm@10 --filter @tokenguard/example-fastify-api start')],
    },
    {
      cwd: '.',
      lane: 'ports',
      servers: [
        configuredApi(
          'TOKENGUARD_ISSUER=https://auth.example.com/ TOKENGUARD_AUDIENCE=https://api.example.com PORT=3000 npx -y pnpm@10 --filter @tokenguard/example-fastify-api start',
          3000,
        ),
      ],
    },
    { cwd: '.', lane: 'commands', commands: [turboTest('@tokenguard/example-fastify-api')] },
  ],
  'examples/nest-api/README.md': [
    {
      cwd: '.',
      lane: 'first',
      servers: [
        localApi('npx -y pnpm@10 start', { post: true, platform: 'express' }),
        localApi('NEST_PLATFORM=fastify npx -y pnpm@10 start', { post: true, platform: 'fastify' }),
      ],
    },
    {
      cwd: 'examples/nest-api',
      lane: 'ports',
      servers: [
        configuredApi(
          'TOKENGUARD_ISSUER=https://auth.example.com/ TOKENGUARD_AUDIENCE=https://api.example.com PORT=8080 NEST_PLATFORM=fastify npx -y pnpm@10 start',
          8080,
        ),
      ],
    },
    { cwd: '.', lane: 'commands', commands: [turboTest('@tokenguard/example-nest-api')] },
  ],
  'examples/mcp-server/README.md': [
    { cwd: '.', lane: 'commands', commands: [turboTest('@tokenguard/example-mcp-server')] },
    {
      cwd: '.',
      lane: 'first',
      servers: [
        mcpServer('npx -y pnpm@10 --filter @tokenguard/example-mcp-server start', 'express'),
        mcpServer('npx -y pnpm@10 --filter @tokenguard/example-mcp-server start hono', 'hono'),
      ],
    },
  ],
  'examples/fleet/README.md': [
    {
      cwd: '.',
      lane: 'commands',
      commands: [turboTest('@tokenguard/example-fleet', /Tests\s+2 passed/)],
    },
  ],
  'packages/redis/README.md': [
    { skip: NOT_FROM_THE_REGISTRY },
    {
      cwd: '.',
      lane: 'shared',
      commands: [{ match: 'npx -y pnpm@10 build' }],
      servers: [
        {
          match: "redis-server --port 6379 --save '' &",
          ready: /Ready to accept connections/,
          port: 6379,
          orAlreadyRunning: isRedis,
        },
        {
          match: 'npx -y pnpm@10 dev-server --port 9000 &',
          ready: /^ {2}client_secret\s+\S+$/m,
          port: 9000,
        },
        {
          match: 'PORT=3001 npx -y pnpm@10 --filter @tokenguard/example-express-api start &',
          ready: /^orders API/m,
          port: 3001,
        },
        {
          match: 'PORT=3002 npx -y pnpm@10 --filter @tokenguard/example-fastify-api start &',
          ready: /^orders API/m,
          port: 3002,
        },
      ],
      after: checkTwoInstances,
    },
  ],
  'packages/testing/README.md': [
    { skip: NOT_FROM_THE_REGISTRY },
    { skip: 'run against each dev server started below ("while a server runs")', ranBelow: true },
    {
      // As in a project that installed @tokenguard/testing: an example depends on it.
      cwd: 'examples/express-api',
      lane: 'shared',
      servers: [
        {
          match: 'npx tokenguard-dev-server --port 4000',
          ready: /^eyJ\S+$/m,
          port: 4000,
          check: checkDevServer,
        },
      ],
    },
    {
      cwd: '.',
      lane: 'shared',
      servers: [
        {
          match: 'npx -y pnpm@10 dev-server --port 4000',
          ready: /^eyJ\S+$/m,
          port: 4000,
          check: checkDevServer,
        },
      ],
    },
  ],
};

async function runBlock(file, index, block, spec) {
  const label = `${file} block ${index + 1}`;
  const t0 = Date.now();
  let cwd = join(clone, spec.cwd);
  const env = baseEnv();
  const background = [];
  try {
    for (let line of logicalLines(block)) {
      if (line === INSTALL) continue; // run once, first, for every README
      const cd = /^cd (\S+)(?: && (.*))?$/.exec(line);
      if (cd) {
        cwd = join(cwd, cd[1]);
        if (cd[2] === undefined) continue;
        line = cd[2];
      }
      if (line.startsWith('export ')) {
        for (const [, name, value] of line.slice(7).matchAll(/(\w+)=(\S+)/g)) env[name] = value;
        continue;
      }
      const server = spec.servers?.find((s) => s.match === line);
      const command = spec.commands?.find((c) => c.match === line);
      if (server) {
        const bg = line.endsWith('&');
        const running = await serve(bg ? line.slice(0, -1).trim() : line, {
          cwd,
          env,
          ready: server.ready,
          port: server.port,
          orAlreadyRunning: server.orAlreadyRunning,
        });
        if (running === undefined) {
          console.log(
            `readme: ${label}: not started: a Redis already answers on ${server.port} (the README: "or any Redis you already run")`,
          );
          continue;
        }
        console.log(
          `readme: ${label}: \`${line}\` is up (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
        );
        if (bg) {
          background.push(running);
        } else {
          try {
            await server.check?.(running);
          } finally {
            await stop(running);
          }
        }
      } else if (command) {
        const output = await sh(line, { cwd, env });
        command.check?.(output);
        console.log(
          `readme: ${label}: \`${line}\` passed (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
        );
      } else {
        fail(
          `${label}: this script does not know how to run or check \`${line}\`; tell it (scripts/readme-commands.mjs)`,
        );
      }
    }
    await spec.after?.(background);
  } finally {
    for (const running of background.reverse()) await stop(running);
  }
  timings.push([label, Date.now() - t0]);
}

// ---------------------------------------------------------------------------------------------

let clone;
async function main() {
  const dirty = spawnSync('git', ['status', '--porcelain'], {
    cwd: repo,
    encoding: 'utf8',
  }).stdout.trim();
  if (dirty) console.log('readme: uncommitted changes are not in the clone: it is HEAD');
  const common = spawnSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
    cwd: repo,
    encoding: 'utf8',
  }).stdout.trim();
  const cacheDir = process.env.TURBO_CACHE_DIR ?? join(dirname(common), '.turbo', 'cache');
  clone = join(mkdtempSync(join(tmpdir(), 'tokenguard-readme-')), 'tokenguard');
  process.env.TURBO_CACHE_DIR = cacheDir;
  process.env.TURBO_TELEMETRY_DISABLED = '1';
  console.log(
    `readme: a clean clone of HEAD in ${clone}; turbo's cache: ${cacheDir}${existsSync(cacheDir) ? '' : ' (empty: every package is built)'}`,
  );
  const cloned = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', repo, clone], {
    encoding: 'utf8',
  });
  if (cloned.status !== 0) fail(`git clone failed:\n${cloned.stderr}`);

  const t0 = Date.now();
  const installed = await sh(INSTALL, { cwd: clone, env: baseEnv() });
  expect(
    !installed.includes('Failed to create bin'),
    `\`${INSTALL}\` warned about a bin:\n${tail(installed)}`,
  );
  timings.push([INSTALL, Date.now() - t0]);
  console.log(
    `readme: \`${INSTALL}\` passed (${((Date.now() - t0) / 1000).toFixed(1)} s), no bin warnings`,
  );

  const lanes = { first: [], ports: [], commands: [], shared: [] };
  for (const [file, specs] of Object.entries(READMES)) {
    const blocks = shellBlocks(file);
    expect(
      blocks.length === specs.length,
      `${file} has ${blocks.length} shell blocks; scripts/readme-commands.mjs knows ${specs.length}: tell it about the change`,
    );
    for (const [index, block] of blocks.entries()) {
      const spec = specs[index];
      if (spec.skip !== undefined) {
        const first = logicalLines(block)[0] ?? '';
        expect(
          spec.ranBelow || /^npm install\b/.test(first),
          `${file} block ${index + 1} (\`${first}\`) is marked as not run, but is not an npm install`,
        );
        console.log(`readme: ${file} block ${index + 1}: not run: ${spec.skip}`);
        continue;
      }
      lanes[spec.lane].push(() => runBlock(file, index, block, spec));
    }
  }
  for (const task of lanes.first) await task();
  const results = await Promise.allSettled(
    [lanes.ports, lanes.commands, lanes.shared].map(async (lane) => {
      for (const task of lane) await task();
    }),
  );
  const failed = results.filter((result) => result.status === 'rejected');
  if (failed.length === 1) throw failed[0].reason;
  if (failed.length > 1) {
    fail(
      failed
        .map(({ reason }) => (reason instanceof Failure ? reason.message : reason.stack))
        .join('\n\n'),
    );
  }
}

main()
  .then(() => {
    console.log('');
    for (const [label, ms] of timings)
      console.log(`readme: ${(ms / 1000).toFixed(1).padStart(6)} s  ${label}`);
    console.log(
      `readme: every README command ran as written in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    if (!keep) rmSync(dirname(clone), { recursive: true, force: true });
    else console.log(`readme: the clone is kept at ${clone}`);
  })
  .catch(async (error) => {
    for (const child of children) stopGroup(child, 'SIGKILL');
    console.error(`readme: FAILED: ${error instanceof Failure ? error.message : error.stack}`);
    if (clone) console.error(`readme: the clone is kept at ${clone}`);
    process.exit(1);
  });
