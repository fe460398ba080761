import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Code, comments and docs are read by people who never saw our tracker: they speak of the project, not of the work
// item that produced them. The words are put together here so that this file does not match itself.
const root = fileURLToPath(new URL('../../', import.meta.url));
const scanned = ['src', 'activities', 'workflows', 'test', 'docs', 'README.md'];
const skipped = new Set(['generated', 'node_modules', 'fixtures', 'histories']);
const textFile = /\.(ts|js|mjs|md|json|ya?ml|sql)$/;

const forbidden: { what: string; pattern: RegExp }[] = [
  { what: 'a reference to a numbered work item', pattern: new RegExp(['\\bissue', '\\s*#?\\d+'].join(''), 'i') },
  { what: 'a reference to an acceptance-run of a work item', pattern: new RegExp(['acceptance', '\\s+run'].join(''), 'i') },
];

function files(entry: string): string[] {
  const full = path.join(root, entry);
  if (textFile.test(entry)) return [entry];
  return readdirSync(full, { withFileTypes: true }).flatMap((child) => {
    if (skipped.has(child.name)) return [];
    const relative = path.join(entry, child.name);
    if (child.isDirectory()) return files(relative);
    return textFile.test(child.name) ? [relative] : [];
  });
}

describe('the project speaks of itself only', () => {
  it('no file in src/, activities/, workflows/, test/, docs/ or README.md refers to a work item', () => {
    const all = scanned.flatMap(files);
    expect(all.length).toBeGreaterThan(100);
    const findings = all.flatMap((file) =>
      readFileSync(path.join(root, file), 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          forbidden.filter(({ pattern }) => pattern.test(line)).map(({ what }) => `${file}:${index + 1}: ${what}: ${line.trim()}`),
        ),
    );
    expect(findings).toEqual([]);
  });

  it('the check finds what it is looking for', () => {
    const sample = ['// fixed in iss' + 'ue 12', 'the accep' + 'tance run proves it', 'a task queue, a helper function'];
    expect(sample.map((line) => forbidden.some(({ pattern }) => pattern.test(line)))).toEqual([true, true, false]);
  });
});
