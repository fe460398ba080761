import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where a V8 CPU profile (node --cpu-prof) spent its time, grouped the way one reads it first: by package (self time:
 * the code itself; inclusive: the code and everything it called) and by function. Runnable on its own:
 *   npx tsx bench/cpu-profile-summary.ts <file.cpuprofile>
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileShare {
  name: string;
  ms: number;
  percent: number;
}

export interface CpuProfileSummary {
  file: string;
  sampledMs: number;
  /** Not idle: what the process actually spent CPU on, the base of the percentages below. */
  busyMs: number;
  selfByPackage: ProfileShare[];
  inclusiveByPackage: ProfileShare[];
  selfByFunction: ProfileShare[];
}

const idleFrames = new Set(['(idle)']);

/**
 * `sinceMicros`: only samples taken after this moment of the monotonic clock (process.hrtime, which V8's profile
 * timestamps share), e.g. to leave out start-up (module loading, workflow bundling) and look at the load alone.
 */
export async function summarizeCpuProfile(file: string, { top = 12, sinceMicros = 0 } = {}): Promise<CpuProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

  const selfPackage = new Map<string, number>();
  const inclusivePackage = new Map<string, number>();
  const selfFunction = new Map<string, number>();
  let sampledMs = 0;
  let busyMs = 0;
  let sampleTime = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    sampleTime += profile.timeDeltas[i] ?? 0;
    if (sampleTime < sinceMicros) continue;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    sampledMs += ms;
    const node = byId.get(profile.samples[i]!);
    if (!node || idleFrames.has(node.callFrame.functionName)) continue;
    busyMs += ms;
    add(selfPackage, packageOf(node.callFrame.url, node.callFrame.functionName), ms);
    add(selfFunction, functionLabel(node), ms);
    const packagesOnStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.url || frame.functionName.startsWith('(')) packagesOnStack.add(packageOf(frame.url, frame.functionName));
    }
    for (const name of packagesOnStack) add(inclusivePackage, name, ms);
  }
  const shares = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((ms / busyMs) * 1000) / 10 }));
  return {
    file,
    sampledMs: Math.round(sampledMs),
    busyMs: Math.round(busyMs),
    selfByPackage: shares(selfPackage),
    inclusiveByPackage: shares(inclusivePackage),
    selfByFunction: shares(selfFunction),
  };
}

function add(map: Map<string, number>, key: string, ms: number) {
  map.set(key, (map.get(key) ?? 0) + ms);
}

/** node_modules/@prisma/client/... -> @prisma/client; node:internal/... -> node; our own files -> tripsaga/<dir>. */
export function packageOf(url: string, functionName = ''): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native / V8';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) {
    // The generated Prisma client lives in our tree but is Prisma's code.
    return inModules[1]!;
  }
  if (url.startsWith('node:')) return 'node';
  // WebAssembly modules are named by a hash: in the app that is Prisma's query compiler (and a lexer in tsx's loader).
  if (/^[0-9a-f]{8}$/.test(url)) return `wasm ${url}`;
  if (url.includes('/src/generated/prisma/')) return '@prisma/client (generated)';
  const local = /\/(src\/[^/]+|activities|workflows|bench)\//.exec(url);
  return local ? `tripsaga/${local[1]}` : path.basename(url);
}

function functionLabel(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url) return functionName || '(anonymous)';
  return `${functionName || '(anonymous)'} ${packageOf(url)}:${path.basename(url)}:${lineNumber + 1}`;
}

export function formatProfileSummary(summary: CpuProfileSummary): string {
  const name = `${path.basename(path.dirname(summary.file))}/${path.basename(summary.file)}`;
  const lines = [`${name}: ${(summary.busyMs / 1000).toFixed(1)} s busy of ${(summary.sampledMs / 1000).toFixed(1)} s sampled`];
  const section = (title: string, shares: ProfileShare[]) => {
    lines.push(`  ${title}`);
    for (const share of shares) lines.push(`    ${share.percent.toFixed(1).padStart(5)} %  ${share.name}`);
  };
  section('self time by package', summary.selfByPackage);
  section('inclusive time by package (the package and what it called)', summary.inclusiveByPackage);
  section('self time by function', summary.selfByFunction);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('Usage: npx tsx bench/cpu-profile-summary.ts <file.cpuprofile>...');
    process.exit(2);
  }
  for (const file of files) console.log(formatProfileSummary(await summarizeCpuProfile(file)));

}
