import { describeDetails } from '@tokenguard/core/diagnose';
import type { DoctorCheck, DoctorReport } from './report.js';

const MARK = { pass: '✔', fail: '✘', skipped: '·' } as const;

function value(check: DoctorCheck): string {
  if (check.outcome === 'skipped') return 'not checked (an earlier check failed)';
  if (check.outcome === 'fail') {
    const facts =
      check.details === undefined
        ? ''
        : describeDetails(check.details as Parameters<typeof describeDetails>[0]);
    return [facts, `(${check.reason})`].filter((part) => part !== '').join(' ');
  }
  if (check.value === undefined) return '';
  if (check.value === null) return 'absent';
  if (
    (check.check === 'exp' || check.check === 'nbf' || check.check === 'iat') &&
    typeof check.value === 'number'
  ) {
    return new Date(check.value * 1000).toISOString().replace('.000Z', 'Z');
  }
  return JSON.stringify(check.value);
}

/** The human report: options, upstream, then each check with ✔/✘ and the fix on the next line. */
export function render(report: DoctorReport): string {
  const lines: string[] = ['tokenguard doctor', ''];
  if ('error' in report.options) {
    lines.push(`${MARK.fail} options: ${report.options.error}`, '');
    lines.push(`${MARK.fail} The options are not valid: nothing else was checked.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Options (from ${report.options.source})`);
  const shown = report.options.shown;
  const width = Math.max(0, ...Object.keys(shown).map((key) => key.length));
  for (const [key, setting] of Object.entries(shown)) {
    lines.push(`  ${key.padEnd(width)}  ${JSON.stringify(setting)}`);
  }
  lines.push('', 'Authorization server');
  for (const item of report.upstream) {
    const keys = item.keys === undefined ? '' : ` (${item.keys} keys)`;
    const where = item.url === undefined ? '' : ` ${item.url}`;
    const what =
      item.outcome === 'skipped'
        ? ' not checked'
        : item.error
          ? `: ${item.error.message.replace(/^tokenguard: /, '')}`
          : `${where}${keys}`;
    lines.push(`  ${MARK[item.outcome]} ${item.endpoint}${what}`);
    if (item.fix !== undefined) lines.push(`    fix: ${item.fix}`);
  }
  const token = report.token;
  if (token !== undefined) {
    lines.push('', `Token (${token.format === 'jwt' ? 'a JWT' : 'opaque'})`);
    const pad = Math.max(...token.checks.map((check) => check.title.length));
    for (const check of token.checks) {
      lines.push(`  ${MARK[check.outcome]} ${check.title.padEnd(pad)}  ${value(check)}`.trimEnd());
      if (check.fix !== undefined) lines.push(`    fix: ${check.fix}`);
    }
    lines.push('');
    if (token.principal !== undefined) {
      const { principal } = token;
      lines.push(
        `${MARK.pass} The token is accepted: ${principal.principalId ?? principal.issuer}, scopes ${JSON.stringify(principal.scopes)}${principal.expiresAt === undefined ? '' : `, until ${principal.expiresAt}`}`,
      );
    } else if (token.rejection !== undefined) {
      const { status, code, description } = token.rejection;
      lines.push(`${MARK.fail} The token is rejected: ${status} ${code} ("${description}")`);
    }
  }
  if (report.upstream.some((item) => item.outcome === 'fail') && token?.principal !== undefined) {
    lines.push(`${MARK.fail} …but an endpoint of the authorization server failed (above).`);
  }
  return `${lines.join('\n')}\n`;
}
