import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixedClusterPorts } from '../../src/cluster/ports.ts';

/**
 * deploy/prometheus/ as Prometheus itself reads it: promtool (Debian's prometheus package, installed by .ci/run)
 * checks the scrape configurations and the rules and runs the rules' unit tests; the rest holds the files to the
 * code (cluster ports, compose ports) and to the docs (each alert's runbook heading).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'deploy/prometheus');
const run = promisify(execFile);
const promtool = (...args: string[]) => run('/usr/bin/promtool', args, { cwd: dir });
const readYaml = (file: string) => parse(readFileSync(path.join(root, file), 'utf8'));

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  annotations: Record<string, string>;
}
interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}
interface ScrapeJob {
  job_name: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: { names: string[]; port: number }[];
}

/** promtool test rules' report on the cases run against a changed copy of the rules. */
async function testRulesChanged(change: (rules: string) => string): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'tripsaga-rules-'));
  try {
    await writeFile(path.join(scratch, 'alerts.yml'), change(readFileSync(path.join(dir, 'alerts.yml'), 'utf8')));
    await writeFile(path.join(scratch, 'alerts.test.yml'), readFileSync(path.join(dir, 'alerts.test.yml')));
    return await run('/usr/bin/promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: scratch }).then(
      () => 'every case passed',
      (error: { stdout: string; stderr: string }) => error.stdout + error.stderr,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const alerts: Rule[] = (readYaml('deploy/prometheus/alerts.yml').groups as { rules: Rule[] }[]).flatMap((group) => group.rules);

describe('deploy/prometheus', () => {
  it.each(['prometheus.yml', 'prometheus-cluster.yml', 'prometheus-compose.yml'])('promtool check config %s', async (file) => {
    const { stdout } = await promtool('check', 'config', file);
    expect(stdout).toContain(`SUCCESS: ${file} is valid prometheus config file syntax`);
  });

  it('promtool check rules passes the alert rules', async () => {
    const { stdout } = await promtool('check', 'rules', 'alerts.yml');
    expect(stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it('promtool test rules passes every case', async () => {
    const { stdout } = await promtool('test', 'rules', 'alerts.test.yml');
    expect(stdout).toContain('SUCCESS');
  });

  // The same cases against rules whose thresholds moved, so that no case passes whatever the rule says.
  const thresholds = /(> (?:60|120|0|900|0\.05)|== 0)$/gm;
  it('each firing case notices a rule that never fires', async () => {
    const failed = await testRulesChanged((rules) => rules.replace(thresholds, (t) => (t.startsWith('==') ? '== 2' : '> 1e9')));
    for (const { alert } of alerts) expect(failed, alert).toContain(`alertname: ${alert}, time:`);
  });

  it('each quiet case notices a rule that always fires', async () => {
    const failed = await testRulesChanged((rules) => rules.replace(thresholds, (t) => (t.startsWith('==') ? '>= 0' : '> -1')));
    for (const { alert } of alerts) expect(failed, alert).toContain(`alertname: ${alert}, time:`);
  });

  it('has a firing and a quiet test case for every alert', () => {
    const cases = (readYaml('deploy/prometheus/alerts.test.yml').tests as RuleTest[]).flatMap((test) => test.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${alert} fires in a case`).toBe(true);
      expect(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${alert} stays quiet in a case`).toBe(true);
    }
  });

  it('gives every alert a for: duration and a runbook that is a heading of docs/metrics.md', () => {
    const docs = readFileSync(path.join(root, 'docs/metrics.md'), 'utf8');
    const anchors = new Set([...docs.matchAll(/^#{1,6}\s+(.+)$/gm)].map(([, heading]) => heading!.trim().toLowerCase().replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-')));
    for (const rule of alerts) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      const [file, anchor] = rule.annotations.runbook_url!.split('#');
      expect(file, rule.alert).toBe('docs/metrics.md');
      expect(anchors.has(anchor!), `${rule.alert}: docs/metrics.md#${anchor}`).toBe(true);
    }
  });

  it("scrapes npm run cluster's processes on the ports it gives them", () => {
    const ports = fixedClusterPorts();
    const jobs: ScrapeJob[] = readYaml('deploy/prometheus/prometheus-cluster.yml').scrape_configs;
    const targets = Object.fromEntries(jobs.map((job) => [job.job_name, job.static_configs!.flatMap((c) => c.targets)]));
    expect(targets).toEqual({
      ...Object.fromEntries(Object.entries(ports.parts).map(([part, list]) => [`tripsaga-${part}`, list.map((port) => `127.0.0.1:${port}`)])),
      'temporal-server': [`127.0.0.1:${ports.temporal.metrics}`],
    });
  });

  it("scrapes the compose services on the ports their settings give them", () => {
    const compose = readYaml('docker-compose.yml').services as Record<string, { environment: Record<string, string> }>;
    const jobs: ScrapeJob[] = readYaml('deploy/prometheus/prometheus-compose.yml').scrape_configs;
    for (const job of jobs.filter((j) => j.dns_sd_configs)) {
      const [{ names, port }] = job.dns_sd_configs! as [{ names: string[]; port: number }];
      const service = compose[names[0]!]!;
      expect(String(port), job.job_name).toBe(service.environment.METRICS_PORT ?? service.environment.PORT);
    }
    expect(compose.prometheus).toBeDefined();
  });
});
