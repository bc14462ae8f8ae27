import type { Diagnosis } from '@tokenguard/core/diagnose';

/** A failed check's fix, beside core's facts. */
export interface DoctorCheck {
  check: string;
  title: string;
  outcome: 'pass' | 'fail' | 'skipped';
  value?: unknown;
  reason?: string;
  details?: unknown;
  fix?: string;
}

/** What `--json` prints. Holds no token, proof or secret. */
export interface DoctorReport {
  ok: boolean;
  options: { source: string; shown: Record<string, unknown> } | { error: string };
  upstream: Array<{
    endpoint: string;
    issuer: string;
    outcome: 'pass' | 'fail' | 'skipped';
    url?: string;
    keys?: number;
    error?: { message: string; code?: string; status?: number };
    fix?: string;
  }>;
  token?: {
    format: 'jwt' | 'opaque';
    checks: DoctorCheck[];
    rejection?: Diagnosis['rejection'];
    principal?: Diagnosis['principal'];
  };
}
