import { describe, expect, it } from 'vitest';
import { auditVerdict } from '../scripts/support/audit-verdict.ts';

// The shapes npm 11's `npm audit --json` prints: a report, or the registry's error when the endpoint is refused.
const report = (vulnerabilities: Record<string, { severity: string }>) => ({
  vulnerabilities,
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: Object.keys(vulnerabilities).length } },
});

describe('the CI verdict on npm audit', () => {
  it('clean when nothing is high or critical', () => {
    expect(auditVerdict(report({ 'some-lib': { severity: 'moderate' } })).outcome).toBe('clean');
  });
  it('fails on a high or critical finding, unless it is an explained exception', () => {
    expect(auditVerdict(report({ a: { severity: 'high' }, b: { severity: 'critical' }, c: { severity: 'low' } }))).toMatchObject({ outcome: 'findings', packages: ['a', 'b'] });
    expect(auditVerdict(report({ a: { severity: 'high' } }), { a: 'only reachable from a dev script' }).outcome).toBe('clean');
  });
  it('says "unavailable", not clean, when the advisory endpoint refuses', () => {
    const refused = { message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk', statusCode: 405 };
    expect(auditVerdict(refused)).toEqual({ outcome: 'unavailable', reason: refused.message });
  });
});
