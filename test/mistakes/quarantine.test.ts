import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The anti-patterns under test/mistakes/ are there to be run by their tests, never to be used.
const root = fileURLToPath(new URL('../..', import.meta.url));
const shipped = ['src', 'activities', 'workflows', 'scripts', 'bench'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' || entry.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [full] : [];
  });
}

it('nothing outside the tests imports the anti-patterns of test/mistakes/', () => {
  const files = shipped.flatMap((dir) => sourceFiles(path.join(root, dir)));
  expect(files.length).toBeGreaterThan(50);
  const offenders = files.filter((file) => /(from|import)\s*\(?\s*['"][^'"]*\/mistakes\//.test(readFileSync(file, 'utf8')));
  expect(offenders.map((file) => path.relative(root, file))).toEqual([]);
});
