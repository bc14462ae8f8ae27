import diagnostics from 'node:diagnostics_channel';
import { type MeterProvider, metrics, type TracerProvider } from '@opentelemetry/api';
import {
  type AuthenticatedEvent,
  channels,
  type IntrospectionEvent,
  type JwksEvent,
  type RejectedEvent,
} from '@tokenguard/core';
import packageJson from '../package.json' with { type: 'json' };
import { createInstruments } from './instruments.js';
import { Recorder } from './recorder.js';

const NAME = '@tokenguard/opentelemetry';
const VERSION: string = packageJson.version;

/**
 * Configuration of {@link TokenGuardInstrumentation}; the shape of `InstrumentationConfig` from
 * `@opentelemetry/instrumentation`.
 */
export interface TokenGuardInstrumentationConfig {
  /**
   * Subscribe as soon as it is created. Default `true`. With `false`, nothing is recorded until
   * `enable()` (which `registerInstrumentations` calls).
   */
  enabled?: boolean;
}

/**
 * Records what tokenguard decides as OpenTelemetry span events and metrics, through
 * `@opentelemetry/api` only: it subscribes to core's `node:diagnostics_channel` channels
 * (`channels` from `@tokenguard/core`) and patches nothing.
 *
 * - A `tokenguard.authentication` event on the span active when a request is decided (your HTTP
 *   server span), and `tokenguard.jwks.fetch` / `tokenguard.introspection.call` events for the
 *   upstream requests a request waited on. It starts no span of its own.
 * - Counters `tokenguard.authentications`, `tokenguard.cache.hits`, `tokenguard.jwks.fetches`,
 *   `tokenguard.introspection.calls`; histograms `tokenguard.jwks.fetch.duration` and
 *   `tokenguard.introspection.call.duration` (seconds).
 *
 * It records no token, proof, secret, subject, client id or anything else the client sent: only
 * outcomes, tokenguard's reason codes, the scheme and format, and the (trusted) issuer.
 *
 * It has the shape of an `Instrumentation` from `@opentelemetry/instrumentation`, so
 * `registerInstrumentations({ instrumentations: [...] })` and the Node SDK's `instrumentations`
 * option take it; on its own it records to the global meter provider and the active span.
 * Metrics go to the meter provider given to `setMeterProvider`, else to the global one as it is
 * when the instrumentation is created: create it after the SDK has started, or register it.
 *
 * @example
 * ```ts
 * import { registerInstrumentations } from '@opentelemetry/instrumentation';
 * import { TokenGuardInstrumentation } from '@tokenguard/opentelemetry';
 *
 * registerInstrumentations({ instrumentations: [new TokenGuardInstrumentation()] });
 * ```
 * @see https://opentelemetry.io/docs/specs/semconv/general/naming/
 */
export class TokenGuardInstrumentation {
  /** `@tokenguard/opentelemetry`: also the meter's name. */
  readonly instrumentationName: string = NAME;
  /** This package's version: also the meter's version. */
  readonly instrumentationVersion: string = VERSION;

  #config: TokenGuardInstrumentationConfig;
  #recorder: Recorder;
  #subscribed = false;

  readonly #onAuthenticated = (event: unknown) =>
    this.#recorder.authenticated(event as AuthenticatedEvent);
  readonly #onRejected = (event: unknown) => this.#recorder.rejected(event as RejectedEvent);
  readonly #onJwks = (event: unknown) => this.#recorder.jwks(event as JwksEvent);
  readonly #onIntrospection = (event: unknown) =>
    this.#recorder.introspection(event as IntrospectionEvent);

  constructor(config: TokenGuardInstrumentationConfig = {}) {
    this.#config = { enabled: true, ...config };
    this.#recorder = new Recorder(createInstruments(metrics.getMeter(NAME, VERSION)));
    if (this.#config.enabled) this.enable();
  }

  /** Subscribes to core's channels (again after `disable()`); a second call does nothing. */
  enable(): void {
    if (this.#subscribed) return;
    this.#subscribed = true;
    diagnostics.subscribe(channels.authenticated, this.#onAuthenticated);
    diagnostics.subscribe(channels.rejected, this.#onRejected);
    diagnostics.subscribe(channels.jwks, this.#onJwks);
    diagnostics.subscribe(channels.introspection, this.#onIntrospection);
  }

  /**
   * Unsubscribes: core then builds no event at all for this instrumentation, as if it were not
   * installed.
   */
  disable(): void {
    if (!this.#subscribed) return;
    this.#subscribed = false;
    diagnostics.unsubscribe(channels.authenticated, this.#onAuthenticated);
    diagnostics.unsubscribe(channels.rejected, this.#onRejected);
    diagnostics.unsubscribe(channels.jwks, this.#onJwks);
    diagnostics.unsubscribe(channels.introspection, this.#onIntrospection);
  }

  /** Records the metrics to this provider from now on. */
  setMeterProvider(meterProvider: MeterProvider): void {
    this.#recorder.instruments = createInstruments(meterProvider.getMeter(NAME, VERSION));
  }

  /**
   * Accepted for `registerInstrumentations`, and unused: span events go to whichever span is
   * active, whichever provider made it, and this instrumentation starts no span.
   */
  setTracerProvider(_tracerProvider: TracerProvider): void {}

  /** Replaces the configuration; like other instrumentations, does not enable or disable. */
  setConfig(config: TokenGuardInstrumentationConfig): void {
    this.#config = { enabled: true, ...config };
  }

  /** The configuration, with `enabled` filled in. */
  getConfig(): TokenGuardInstrumentationConfig {
    return { ...this.#config };
  }
}
