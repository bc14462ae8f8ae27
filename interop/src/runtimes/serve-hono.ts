// Runs on Bun or Deno, started by interop/test/runtimes.test.ts: the conformance API on Hono,
// served by the runtime's own server (Bun.serve, Deno.serve). The guard options, the routes and
// the scopes come as JSON on the first line of standard input (with the URL that answers the
// test's `isRevoked` check, when the options have one); the URL goes to standard output as
// `listening <url>`. It stops when standard input closes (the test is done, or died).
import { type HonoRoute, honoConformanceApp } from '../apps/hono-app.js';

type FetchHandler = (request: Request) => Response | Promise<Response>;

interface Runtime {
  name: string;
  serve(fetch: FetchHandler): Promise<{ url: string; stop(): Promise<void> }>;
  stdin(): AsyncIterable<Uint8Array>;
  write(text: string): void;
  exit(code: number): never;
}

const globals = globalThis as {
  Bun?: {
    serve(o: { port: number; hostname: string; fetch: FetchHandler }): {
      port: number;
      stop(force?: boolean): Promise<void>;
    };
    stdin: { stream(): ReadableStream<Uint8Array> };
    write(target: unknown, text: string): unknown;
    stdout: unknown;
  };
  Deno?: {
    serve(
      o: { port: number; hostname: string; onListen(a: { port: number }): void },
      fetch: FetchHandler,
    ): { shutdown(): Promise<void> };
    stdin: { readable: ReadableStream<Uint8Array> };
    stdout: { writeSync(bytes: Uint8Array): number };
    exit(code: number): never;
  };
  process: { exit(code: number): never };
};

function runtime(): Runtime {
  const { Bun, Deno } = globals;
  if (Bun !== undefined) {
    return {
      name: 'Bun',
      async serve(fetch) {
        const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch });
        return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
      },
      stdin: () => Bun.stdin.stream() as unknown as AsyncIterable<Uint8Array>,
      write: (text) => void Bun.write(Bun.stdout, text),
      exit: (code) => globals.process.exit(code),
    };
  }
  if (Deno !== undefined) {
    return {
      name: 'Deno',
      serve: (fetch) =>
        new Promise((resolve) => {
          const server = Deno.serve(
            {
              port: 0,
              hostname: '127.0.0.1',
              onListen: ({ port }) =>
                resolve({ url: `http://127.0.0.1:${port}`, stop: () => server.shutdown() }),
            },
            fetch,
          );
        }),
      stdin: () => Deno.stdin.readable as unknown as AsyncIterable<Uint8Array>,
      write: (text) => void Deno.stdout.writeSync(new TextEncoder().encode(text)),
      exit: (code) => Deno.exit(code),
    };
  }
  throw new Error('serve-hono.ts runs on Bun or Deno');
}

const rt = runtime();
const decoder = new TextDecoder();
let buffered = '';
let server: { url: string; stop(): Promise<void> } | undefined;
let close: (() => Promise<void>) | undefined;
for await (const chunk of rt.stdin()) {
  buffered += decoder.decode(chunk, { stream: true });
  const newline = buffered.indexOf('\n');
  if (server === undefined && newline !== -1) {
    const { options, routes, scopes, revocationUrl } = JSON.parse(buffered.slice(0, newline)) as {
      options: Parameters<typeof honoConformanceApp>[0];
      routes: HonoRoute[];
      scopes: string[];
      revocationUrl?: string;
    };
    if (revocationUrl !== undefined) {
      // The test's `isRevoked` check, asked over loopback (a function does not travel as JSON).
      options.isRevoked = async (auth) => {
        const answer = await fetch(revocationUrl, {
          method: 'POST',
          body: JSON.stringify(auth.claims),
        });
        if (!answer.ok) throw new Error(`the revocation check answered ${answer.status}`);
        return (await answer.json()) as boolean;
      };
    }
    const built = honoConformanceApp(options, routes, scopes);
    close = built.close;
    server = await rt.serve(built.app.fetch);
    rt.write(`listening ${server.url}\n`);
  }
}
await server?.stop();
await close?.();
rt.exit(0);
