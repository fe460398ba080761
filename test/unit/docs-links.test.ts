import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The docs quote the code: paths, npm scripts, routes, settings. This checks each quotation against the working tree,
 * so a file that moves or a script that is renamed fails here instead of misleading a reader. No server needed.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Settings read by the tools we run beside the app (the Temporal UI server), not by our code. */
const externalSettings = new Set(['TEMPORAL_CODEC_ENDPOINT']);

/** Where the app and its tools write at run time (git-ignored): quoted as output locations, absent in a clean tree. */
const runtimeOutputs = ['.data/', 'bench/results/', 'test-artifacts/'];

function markdownFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(relative);
    return entry.name.endsWith('.md') ? [relative] : [];
  });
}

function sourceFiles(dir: string): string[] {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [dir];
  return readdirSync(full, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' || entry.name === 'node_modules' ? [] : sourceFiles(relative);
    return /\.(ts|mjs|js|json|yml|yaml|prisma|sql|sh)$/.test(entry.name) || entry.name === 'run' || entry.name === 'Dockerfile' ? [relative] : [];
  });
}

const pages = ['README.md', 'BENCHMARKS.md', ...markdownFiles('docs')].filter((file) => existsSync(path.join(root, file)));
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const withoutCodeBlocks = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of withoutCodeBlocks(read(file)).matchAll(/^#{1,6}\s+(.+)$/gm)) {
    anchors.add(
      heading!
        .trim()
        .toLowerCase()
        .replace(/[`*_]/g, '')
        .replace(/[^\p{L}\p{N} -]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}

/** The code the docs describe, and what it reads: where quoted names must appear. */
const codeText = ['src', 'activities', 'workflows', 'scripts', 'bench', 'chaos', 'deploy', 'test', 'prisma', '.ci', 'docker-compose.yml', 'docker-compose.dev.yml', 'Dockerfile', 'package.json']
  .flatMap(sourceFiles)
  .filter((file) => file !== 'test/unit/docs-links.test.ts')
  .map(read)
  .join('\n');
const packageScripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
const normaliseRoute = (route: string) => route.replace(/\{[^}]+\}|:[A-Za-z]+|\$\{[^}]+\}/g, ':param').replace(/\/$/, '');
/**
 * Every path literal in the app's own code (the tests request routes that do not exist, on purpose), with path
 * constants substituted in template literals: `${codecPath}/${direction}` is /codec/:param.
 */
const appCode = sourceFiles('src').map(read).join('\n');
const pathConstants = new Map([...appCode.matchAll(/const (\w+) = '(\/[\w/.-]*)'/g)].map(([, name, value]) => [name!, value!]));
const appRoutes = [...appCode.matchAll(/['"`](\/[\w/:.-]*|\$\{\w+\}[\w/:.${}-]*)['"`]/g)].map(([, route]) =>
  normaliseRoute(route!.replace(/\$\{(\w+)\}/g, (whole, name: string) => pathConstants.get(name) ?? whole)).split('/'),
);
/** A quoted route matches an app route segment by segment; the app's parameters match anything. */
const served = (route: string) => {
  const segments = normaliseRoute(route).split('/');
  return appRoutes.some((app) => app.length === segments.length && app.every((part, i) => part === ':param' || part === segments[i]));
};

describe.each(pages)('%s', (page) => {
  const text = read(page);
  const prose = withoutCodeBlocks(text);

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // http:, https:, mailto:
      const [file, anchor] = target!.split('#') as [string, string | undefined];
      const resolved = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
      if (!existsSync(path.join(root, resolved))) {
        broken.push(`${target} (no ${resolved})`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${target} (no heading #${anchor} in ${resolved})`);
    }
    expect(broken).toEqual([]);
  });

  it('names only code paths that exist', () => {
    const missing = new Set<string>();
    const pathPattern = /(?<![\w./~@-])((?:src|activities|workflows|test|scripts|bench|chaos|deploy|prisma|contracts|docs|\.ci)\/[\w./-]*)/g;
    for (const [, quoted] of text.matchAll(pathPattern)) {
      const candidate = quoted!.replace(/[.-]+$/, '');
      if (runtimeOutputs.some((output) => candidate.startsWith(output))) continue;
      if (!existsSync(path.join(root, candidate))) missing.add(candidate);
    }
    expect([...missing]).toEqual([]);
  });

  it('runs only npm scripts that exist', () => {
    const unknown = [...text.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map(([, name]) => name!).filter((name) => !packageScripts.includes(name));
    expect(unknown).toEqual([]);
  });

  it('quotes only routes the app serves', () => {
    const unknown = [...text.matchAll(/`(?:GET|POST|PUT|PATCH|DELETE) (\/[^\s`?]*)/g)]
      .map(([, route]) => route!)
      .filter((route) => !served(route));
    expect(unknown).toEqual([]);
  });

  it('names only settings and constants the code knows', () => {
    const unknown = new Set<string>();
    for (const [, name] of prose.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)) {
      // Stream names are built from the subject root: TRIPSAGA_EVENTS is `${streamPrefix}_EVENTS` with the default.
      const derived = name!.startsWith('TRIPSAGA_') && codeText.includes(`}${name!.slice('TRIPSAGA'.length)}\``);
      if (!codeText.includes(name!) && !derived && !externalSettings.has(name!)) unknown.add(name!);
    }
    expect([...unknown]).toEqual([]);
  });
});

it('every page under docs/ is reachable from the index', () => {
  const linked = new Set<string>();
  const queue = ['docs/README.md'];
  while (queue.length > 0) {
    const page = queue.pop()!;
    if (linked.has(page) || !existsSync(path.join(root, page))) continue;
    linked.add(page);
    for (const [, target] of withoutCodeBlocks(read(page)).matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!) || !target!.endsWith('.md')) continue;
      queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(page), target!)));
    }
  }
  expect(markdownFiles('docs').filter((page) => !linked.has(page))).toEqual([]);
});
