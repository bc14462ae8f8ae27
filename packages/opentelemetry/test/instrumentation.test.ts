import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Attributes, SpanKind } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import {
  AuthError,
  channels,
  createTokenGuard,
  type TokenGuard,
  type TokenGuardOptions,
} from '@tokenguard/core';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  DEFAULT_CLIENT_ID,
  DEFAULT_SUBJECT,
} from '@tokenguard/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenGuardInstrumentation } from '../src/index.js';

// The real SDK, not a mock: a tracer provider registered the way applications register it (with
// its AsyncLocalStorage context manager), a meter provider with an in-memory exporter, and the
// instrumentation registered through @opentelemetry/instrumentation's registerInstrumentations.
// The API is node:http + core, each request in a server span started as the HTTP
// instrumentation starts it, with the local authorization server behind it.

const spanExporter = new InMemorySpanExporter();
const spanProcessor = new SimpleSpanProcessor(spanExporter);
const tracerProvider = new NodeTracerProvider({ spanProcessors: [spanProcessor] });
const tracer = tracerProvider.getTracer('test-http-server');
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
const metricReader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new MeterProvider({ readers: [metricReader] });
const instrumentation = new TokenGuardInstrumentation();

let as: AuthorizationServer;
let unregister: () => void;
const open: { close(): unknown }[] = [];

beforeAll(async () => {
  tracerProvider.register();
  unregister = registerInstrumentations({
    instrumentations: [instrumentation],
    tracerProvider,
    meterProvider,
  });
  as = await createAuthorizationServer();
});

afterAll(async () => {
  unregister();
  await as.close();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
});

beforeEach(async () => {
  // Each test reads only what it recorded: spans so far are dropped, metrics are deltas.
  await metricReader.forceFlush();
  metricExporter.reset();
  spanExporter.reset();
});

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

async function startApi(options: Partial<TokenGuardOptions> = {}) {
  const guard: TokenGuard = createTokenGuard({
    issuer: as.issuer,
    audience: as.audience,
    ...options,
  });
  const server: Server = createServer((req, res) => {
    tracer.startActiveSpan('GET /orders', { kind: SpanKind.SERVER }, async (span) => {
      try {
        await guard.authenticate({
          method: req.method ?? 'GET',
          protocol: 'http',
          host: req.headers.host,
          path: req.url ?? '/',
          headers: req.headers,
          rawHeaders: req.rawHeaders,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"orders":[]}');
      } catch (error) {
        if (error instanceof AuthError) {
          const { status, headers, body } = error.toResponse();
          res.writeHead(status, headers).end(body);
        } else {
          res.writeHead(500).end();
        }
      } finally {
        span.setAttribute('http.response.status_code', res.statusCode);
        span.end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
  open.push(guard, { close: () => new Promise((resolve) => server.close(resolve)) });
  return {
    call: (token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } }),
  };
}

/** A loopback URL nothing listens on: connecting to it is refused. */
async function refusedUrl(path: string): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}${path}`;
}

/** The server spans ended since the test began, each with its events' names and attributes. */
async function recordedSpans() {
  await spanProcessor.forceFlush();
  return spanExporter.getFinishedSpans().map((span: ReadableSpan) => ({
    name: span.name,
    status: span.attributes['http.response.status_code'],
    events: span.events.map((event) => [event.name, event.attributes] as const),
  }));
}

interface Point {
  attributes: Attributes;
  value: number | { count: number; sum: number | undefined };
}

/** Every metric recorded since the test began: name → unit and data points. */
async function recordedMetrics(): Promise<Record<string, { unit: string; points: Point[] }>> {
  await metricReader.forceFlush();
  const result: Record<string, { unit: string; points: Point[] }> = {};
  for (const resource of metricExporter.getMetrics()) {
    for (const scope of resource.scopeMetrics) {
      expect(scope.scope.name).toBe('@tokenguard/opentelemetry');
      for (const metric of scope.metrics) {
        const points: Point[] = metric.dataPoints.map((point) => ({
          attributes: point.attributes,
          value:
            metric.dataPointType === DataPointType.HISTOGRAM
              ? {
                  count: (point.value as { count: number }).count,
                  sum: (point.value as { sum?: number }).sum,
                }
              : (point.value as number),
        }));
        if (points.length === 0) continue;
        const entry = result[metric.descriptor.name] ?? {
          unit: metric.descriptor.unit,
          points: [],
        };
        result[metric.descriptor.name] = entry;
        entry.points.push(...points);
      }
    }
  }
  return result;
}

/** A histogram point: one measurement, of some non-negative number of seconds. */
const oneDuration = { count: 1, sum: expect.any(Number) };

describe('an accepted request', () => {
  it('adds a tokenguard.authentication event to the request span and counts it', async () => {
    const api = await startApi();
    const token = await as.mintAccessToken();
    expect((await api.call(token)).status).toBe(200);
    expect((await api.call(token)).status).toBe(200);

    const accepted = {
      'tokenguard.authentication.outcome': 'accepted',
      'tokenguard.authentication.scheme': 'Bearer',
      'tokenguard.token.format': 'jwt',
      'tokenguard.issuer': as.issuer,
    };
    const discovery = {
      'tokenguard.issuer': as.issuer,
      'tokenguard.jwks.document': 'discovery',
      'tokenguard.jwks.outcome': 'success',
    };
    const jwks = { ...discovery, 'tokenguard.jwks.document': 'jwks' };
    expect(await recordedSpans()).toEqual([
      {
        name: 'GET /orders',
        status: 200,
        events: [
          // The first request waited for discovery and the keys.
          ['tokenguard.jwks.fetch', discovery],
          ['tokenguard.jwks.fetch', jwks],
          ['tokenguard.authentication', { ...accepted, 'tokenguard.token.cached': false }],
        ],
      },
      {
        name: 'GET /orders',
        status: 200,
        events: [['tokenguard.authentication', { ...accepted, 'tokenguard.token.cached': true }]],
      },
    ]);

    const metrics = await recordedMetrics();
    expect(metrics).toEqual({
      'tokenguard.authentications': {
        unit: '{authentication}',
        points: [
          { attributes: { ...accepted, 'tokenguard.token.cached': false }, value: 1 },
          { attributes: { ...accepted, 'tokenguard.token.cached': true }, value: 1 },
        ],
      },
      'tokenguard.cache.hits': {
        unit: '{hit}',
        points: [{ attributes: { 'tokenguard.cache.name': 'verified_token' }, value: 1 }],
      },
      'tokenguard.jwks.fetches': {
        unit: '{fetch}',
        points: [
          { attributes: discovery, value: 1 },
          { attributes: jwks, value: 1 },
        ],
      },
      'tokenguard.jwks.fetch.duration': {
        unit: 's',
        points: [
          { attributes: discovery, value: oneDuration },
          { attributes: jwks, value: oneDuration },
        ],
      },
    });

    // Nothing the client sent, nor who the token names, is recorded.
    const recorded = JSON.stringify([await recordedSpans(), metrics]);
    for (const secret of [token, token.split('.')[2], DEFAULT_SUBJECT, DEFAULT_CLIENT_ID]) {
      expect(recorded).not.toContain(secret);
    }
  });

  it('an opaque token: introspection calls, their duration and the introspection cache', async () => {
    const api = await startApi({
      cache: false,
      introspection: {
        clientId: as.defaultClient.clientId,
        clientSecret: as.defaultClient.clientSecret,
      },
    });
    const token = await as.mintOpaqueToken();
    expect((await api.call(token)).status).toBe(200);
    expect((await api.call(token)).status).toBe(200);

    const spans = await recordedSpans();
    const active = { 'tokenguard.introspection.outcome': 'active' };
    const accepted = {
      'tokenguard.authentication.outcome': 'accepted',
      'tokenguard.authentication.scheme': 'Bearer',
      'tokenguard.token.format': 'opaque',
      'tokenguard.token.cached': false,
      'tokenguard.issuer': as.issuer,
    };
    const discovery = {
      'tokenguard.issuer': as.issuer,
      'tokenguard.jwks.document': 'discovery',
      'tokenguard.jwks.outcome': 'success',
    };
    expect(spans.map((span) => span.events)).toEqual([
      [
        // Discovery found the introspection endpoint.
        ['tokenguard.jwks.fetch', discovery],
        ['tokenguard.introspection.call', active],
        ['tokenguard.authentication', accepted],
      ],
      // The second answer came from the introspection cache: no call.
      [['tokenguard.authentication', accepted]],
    ]);

    const metrics = await recordedMetrics();
    expect(metrics['tokenguard.introspection.calls']).toEqual({
      unit: '{call}',
      points: [{ attributes: active, value: 1 }],
    });
    expect(metrics['tokenguard.introspection.call.duration']).toEqual({
      unit: 's',
      points: [{ attributes: active, value: oneDuration }],
    });
    expect(metrics['tokenguard.cache.hits']).toEqual({
      unit: '{hit}',
      points: [{ attributes: { 'tokenguard.cache.name': 'introspection' }, value: 1 }],
    });
    expect(JSON.stringify([spans, metrics])).not.toContain(token);
  });
});

describe('a rejected request', () => {
  it('records the outcome, the reason and the error code, and not the token', async () => {
    const api = await startApi();
    const token = await as.mintAccessToken({ aud: 'https://other.example.com' });
    const response = await api.call(token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="The access token is invalid"',
    );

    const rejected = {
      'tokenguard.authentication.outcome': 'rejected',
      'tokenguard.authentication.reason': 'jwt.aud',
      'error.type': 'invalid_token',
    };
    const spans = await recordedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.status).toBe(401);
    expect(spans[0]?.events.at(-1)).toEqual(['tokenguard.authentication', rejected]);

    const metrics = await recordedMetrics();
    expect(metrics['tokenguard.authentications']).toEqual({
      unit: '{authentication}',
      points: [{ attributes: rejected, value: 1 }],
    });
    expect(metrics['tokenguard.cache.hits']).toBeUndefined();
    const recorded = JSON.stringify([spans, metrics]);
    expect(recorded).not.toContain(token);
    expect(recorded).not.toContain('other.example.com');
  });
});

describe('an upstream failure', () => {
  it('JWKS unreachable: the failed fetch and the 503 are recorded with their causes', async () => {
    const api = await startApi({ jwksUri: await refusedUrl('/jwks') });
    const response = await api.call(await as.mintAccessToken());
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await response.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The authorization service is temporarily unavailable',
    });

    const failed = {
      'tokenguard.issuer': as.issuer,
      'tokenguard.jwks.document': 'jwks',
      'tokenguard.jwks.outcome': 'failure',
      'error.type': 'network',
    };
    const unavailable = {
      'tokenguard.authentication.outcome': 'unavailable',
      'tokenguard.authentication.reason': 'jwks.unavailable',
      'error.type': 'temporarily_unavailable',
    };
    expect(await recordedSpans()).toEqual([
      {
        name: 'GET /orders',
        status: 503,
        events: [
          ['tokenguard.jwks.fetch', failed],
          ['tokenguard.authentication', unavailable],
        ],
      },
    ]);
    expect(await recordedMetrics()).toEqual({
      'tokenguard.authentications': {
        unit: '{authentication}',
        points: [{ attributes: unavailable, value: 1 }],
      },
      'tokenguard.jwks.fetches': { unit: '{fetch}', points: [{ attributes: failed, value: 1 }] },
      'tokenguard.jwks.fetch.duration': {
        unit: 's',
        points: [{ attributes: failed, value: oneDuration }],
      },
    });
  });
});

describe('disable()', () => {
  it('unsubscribes, so core builds no event and nothing is recorded', async () => {
    const api = await startApi();
    const token = await as.mintAccessToken();
    unregister();
    try {
      for (const name of Object.values(channels)) {
        expect(diagnostics.channel(name).hasSubscribers).toBe(false);
      }
      expect((await api.call(token)).status).toBe(200);
      expect(await recordedSpans()).toEqual([{ name: 'GET /orders', status: 200, events: [] }]);
      expect(await recordedMetrics()).toEqual({});
    } finally {
      instrumentation.enable();
    }
    // enable() subscribes again, once.
    expect((await api.call(token)).status).toBe(200);
    const metrics = await recordedMetrics();
    expect(metrics['tokenguard.authentications']?.points).toEqual([
      { attributes: expect.objectContaining({ 'tokenguard.token.cached': true }), value: 1 },
    ]);
  });
});
