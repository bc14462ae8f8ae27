import type { MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { describe, expectTypeOf, it } from 'vitest';
import { TokenGuardInstrumentation, type TokenGuardInstrumentationConfig } from '../src/index.js';

describe('public types', () => {
  it('is an Instrumentation that registerInstrumentations (and the Node SDK) take', () => {
    const instrumentation = new TokenGuardInstrumentation();
    expectTypeOf(instrumentation).toExtend<Instrumentation>();
    registerInstrumentations({
      instrumentations: [instrumentation],
      meterProvider: new MeterProvider(),
      tracerProvider: new NodeTracerProvider(),
    });
    expectTypeOf(instrumentation.getConfig()).toEqualTypeOf<TokenGuardInstrumentationConfig>();
    expectTypeOf(instrumentation.disable).returns.toEqualTypeOf<void>();
  });

  it('takes any MeterProvider of the API, the SDK’s included', () => {
    const instrumentation = new TokenGuardInstrumentation({ enabled: false });
    expectTypeOf(instrumentation.setMeterProvider).parameter(0).toEqualTypeOf<ApiMeterProvider>();
    instrumentation.setMeterProvider(new MeterProvider());
  });

  it('its configuration has `enabled` and nothing else', () => {
    expectTypeOf<TokenGuardInstrumentationConfig>().toEqualTypeOf<{ enabled?: boolean }>();
    // @ts-expect-error not an option
    new TokenGuardInstrumentation({ enable: true });
    // @ts-expect-error `enabled` is a boolean
    new TokenGuardInstrumentation({ enabled: 'yes' });
  });
});
