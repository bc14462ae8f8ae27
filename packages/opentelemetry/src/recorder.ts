import { type Attributes, trace } from '@opentelemetry/api';
import type {
  AuthenticatedEvent,
  IntrospectionEvent,
  JwksEvent,
  RejectedEvent,
} from '@tokenguard/core';
import {
  ATTR_CACHE_NAME,
  ATTR_CACHED,
  ATTR_ERROR_TYPE,
  ATTR_FORMAT,
  ATTR_INTROSPECTION_OUTCOME,
  ATTR_ISSUER,
  ATTR_JWKS_DOCUMENT,
  ATTR_JWKS_OUTCOME,
  ATTR_OUTCOME,
  ATTR_REASON,
  ATTR_SCHEME,
} from './attributes.js';
import type { Instruments } from './instruments.js';

/** Names of the span events added to the active span. */
export const SPAN_EVENT_AUTHENTICATION = 'tokenguard.authentication';
export const SPAN_EVENT_JWKS_FETCH = 'tokenguard.jwks.fetch';
export const SPAN_EVENT_INTROSPECTION_CALL = 'tokenguard.introspection.call';

const VERIFIED_TOKEN_CACHE: Attributes = Object.freeze({ [ATTR_CACHE_NAME]: 'verified_token' });
const INTROSPECTION_CACHE: Attributes = Object.freeze({ [ATTR_CACHE_NAME]: 'introspection' });
const INTROSPECTION_ACTIVE: Attributes = Object.freeze({ [ATTR_INTROSPECTION_OUTCOME]: 'active' });
const INTROSPECTION_INACTIVE: Attributes = Object.freeze({
  [ATTR_INTROSPECTION_OUTCOME]: 'inactive',
});
// OpenTelemetry's fallback value of `error.type` when nothing better is known.
const OTHER = '_OTHER';

/**
 * Adds an event to the span active where core published: subscribers of `diagnostics_channel` run
 * synchronously in the publisher's async context, so this is the request's span (an HTTP server
 * span, or one the application started). An ended or non-recording span, or none, gets nothing.
 */
function addSpanEvent(name: string, attributes: Attributes): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.addEvent(name, attributes);
}

/** Turns core's diagnostics events into span events and measurements. */
export class Recorder {
  instruments: Instruments;

  constructor(instruments: Instruments) {
    this.instruments = instruments;
  }

  authenticated(event: AuthenticatedEvent): void {
    const attributes: Attributes = {
      [ATTR_OUTCOME]: 'accepted',
      [ATTR_SCHEME]: event.scheme,
      [ATTR_FORMAT]: event.format,
      [ATTR_CACHED]: event.cached,
      [ATTR_ISSUER]: event.issuer,
    };
    this.instruments.authentications.add(1, attributes);
    if (event.cached) this.instruments.cacheHits.add(1, VERIFIED_TOKEN_CACHE);
    addSpanEvent(SPAN_EVENT_AUTHENTICATION, attributes);
  }

  rejected(event: RejectedEvent): void {
    const attributes: Attributes = {
      [ATTR_OUTCOME]: event.code === 'temporarily_unavailable' ? 'unavailable' : 'rejected',
      [ATTR_REASON]: event.reason,
      [ATTR_ERROR_TYPE]: event.code,
    };
    this.instruments.authentications.add(1, attributes);
    addSpanEvent(SPAN_EVENT_AUTHENTICATION, attributes);
  }

  jwks(event: JwksEvent): void {
    let attributes: Attributes;
    switch (event.event) {
      case 'fetch':
      case 'refresh':
      case 'discovery':
        attributes = {
          [ATTR_ISSUER]: event.issuer,
          [ATTR_JWKS_DOCUMENT]: event.event === 'discovery' ? 'discovery' : 'jwks',
          [ATTR_JWKS_OUTCOME]: 'success',
        };
        break;
      case 'failure': {
        const detail = event.detail ?? OTHER;
        const discovery = detail.startsWith('discovery_');
        attributes = {
          [ATTR_ISSUER]: event.issuer,
          [ATTR_JWKS_DOCUMENT]: discovery ? 'discovery' : 'jwks',
          [ATTR_JWKS_OUTCOME]: 'failure',
          [ATTR_ERROR_TYPE]: discovery ? detail.slice('discovery_'.length) : detail,
        };
        break;
      }
      default:
        // `stale` and `skipped_key` are states, not requests.
        return;
    }
    this.instruments.jwksFetches.add(1, attributes);
    if (event.durationMs !== undefined) {
      this.instruments.jwksFetchDuration.record(event.durationMs / 1000, attributes);
    }
    addSpanEvent(SPAN_EVENT_JWKS_FETCH, attributes);
  }

  introspection(event: IntrospectionEvent): void {
    let attributes: Attributes;
    switch (event.event) {
      case 'cache_hit':
        this.instruments.cacheHits.add(1, INTROSPECTION_CACHE);
        return;
      case 'call':
        attributes = event.active === true ? INTROSPECTION_ACTIVE : INTROSPECTION_INACTIVE;
        break;
      case 'failure':
      case 'saturated':
        attributes = {
          [ATTR_INTROSPECTION_OUTCOME]: event.event,
          [ATTR_ERROR_TYPE]: event.detail ?? OTHER,
        };
        break;
      default:
        // `shared`: the request joined a call already in flight; no call of its own.
        return;
    }
    this.instruments.introspectionCalls.add(1, attributes);
    if (event.durationMs !== undefined) {
      this.instruments.introspectionCallDuration.record(event.durationMs / 1000, attributes);
    }
    addSpanEvent(SPAN_EVENT_INTROSPECTION_CALL, attributes);
  }
}
