/**
 * What `npm audit --json` said, as a verdict for CI: fail on any high or critical finding in the production
 * dependencies unless it is listed in `exceptions` with the reason; say plainly when the advisory database could not
 * be asked at all (the registry this machine reaches answers the audit endpoint with 405).
 */
export type AuditVerdict =
  | { outcome: 'clean'; counts: Record<string, number> }
  | { outcome: 'findings'; counts: Record<string, number>; packages: string[] }
  | { outcome: 'unavailable'; reason: string };

/** Advisories accepted on purpose: package name -> why it does not apply. None today. */
export const exceptions: Record<string, string> = {};

interface AuditJson {
  metadata?: { vulnerabilities?: Record<string, number> };
  vulnerabilities?: Record<string, { severity: string }>;
  message?: string;
  statusCode?: number;
  error?: { summary?: string };
}

export function auditVerdict(json: AuditJson, accepted: Record<string, string> = exceptions): AuditVerdict {
  const counts = json.metadata?.vulnerabilities;
  if (!counts) return { outcome: 'unavailable', reason: json.message ?? json.error?.summary ?? 'npm audit gave no report' };
  const serious = Object.entries(json.vulnerabilities ?? {})
    .filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
    .map(([name]) => name)
    .filter((name) => !(name in accepted));
  return serious.length > 0 ? { outcome: 'findings', counts, packages: serious } : { outcome: 'clean', counts };
}
