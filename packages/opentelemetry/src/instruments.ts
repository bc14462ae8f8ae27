import { type Counter, type Histogram, type Meter, ValueType } from '@opentelemetry/api';

/**
 * The metrics this package records. Counters of discrete things are plural with a `{thing}` unit
 * and durations are histograms in seconds named `….duration`, as OpenTelemetry's naming
 * guidelines ask; no semantic convention covers token validation, so every name is under
 * `tokenguard.`.
 */
export interface Instruments {
  authentications: Counter;
  cacheHits: Counter;
  jwksFetches: Counter;
  jwksFetchDuration: Histogram;
  introspectionCalls: Counter;
  introspectionCallDuration: Histogram;
}

// The HTTP client duration's buckets (http.client.request.duration): these are HTTP requests too.
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

export function createInstruments(meter: Meter): Instruments {
  const duration = (name: string, description: string) =>
    meter.createHistogram(name, {
      description,
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
  const counter = (name: string, unit: string, description: string) =>
    meter.createCounter(name, { description, unit, valueType: ValueType.INT });
  return {
    authentications: counter(
      'tokenguard.authentications',
      '{authentication}',
      'Requests the guard decided on, by outcome and reason.',
    ),
    cacheHits: counter(
      'tokenguard.cache.hits',
      '{hit}',
      'Tokens answered from the verified-token cache or the introspection cache.',
    ),
    jwksFetches: counter(
      'tokenguard.jwks.fetches',
      '{fetch}',
      "Requests for an issuer's JWKS or discovery document, by outcome.",
    ),
    jwksFetchDuration: duration(
      'tokenguard.jwks.fetch.duration',
      "How long a request for an issuer's JWKS or discovery document took.",
    ),
    introspectionCalls: counter(
      'tokenguard.introspection.calls',
      '{call}',
      'Token introspection (RFC 7662) calls, by outcome.',
    ),
    introspectionCallDuration: duration(
      'tokenguard.introspection.call.duration',
      'How long a token introspection (RFC 7662) call took.',
    ),
  };
}
