import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`): Playwright's own browser downloads cannot reach their host here. */
export const chromiumPath = '/usr/bin/chromium';

/** Why browser tests cannot run on this machine, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(chromiumPath) ? undefined : `${chromiumPath} is not installed (apt-get install -y chromium; .ci/run does it)`;
}

/** Screenshots and other evidence a test leaves behind for a person to look at (git-ignored). */
export const artifactsDir = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export async function artifactPath(name: string) {
  await mkdir(artifactsDir, { recursive: true });
  return path.join(artifactsDir, name);
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless Chromium with a profile of its own, so runs and parallel engineers never share state. */
export async function launchChromium(): Promise<Chromium> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    // Nothing outside this machine is reachable: keep Chromium from trying (updates, sync, QUIC probes).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 1000 },
    timezoneId: 'UTC',
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
