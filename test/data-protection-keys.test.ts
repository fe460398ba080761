import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataProtection } from '../src/data-protection/data-protection.ts';
import { keyFileName } from '../src/data-protection/keys.ts';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

describe('the keys under the data directory', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-keys-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('npm start creates them once, readable by its owner only; the separate processes refuse to invent their own', async () => {
    await expect(loadDataProtection({ env: {}, dataDir })).rejects.toThrow(/set TEMPORAL_CODEC_KEYS and TRAVELER_PSEUDONYM_KEY/);
    const first = await loadDataProtection({ env: {}, dataDir, createIfMissing: true });
    const again = await loadDataProtection({ env: {}, dataDir });
    expect(again.travelerPseudonym('Ada@Example.com')).toBe(first.travelerPseudonym('ada@example.com'));
    expect(again.codecOperatorToken).toBe(first.codecOperatorToken);
    expect((await stat(path.join(dataDir, keyFileName))).mode & 0o077).toBe(0);
  });

  it('npm run keys:rotate: a new key encrypts, what the old one sealed still opens, the pseudonym stays', async () => {
    const before = await loadDataProtection({ env: {}, dataDir });
    const [sealed] = await before.codec.encode([defaultPayloadConverter.toPayload('sealed before the rotation')!]);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/rotate-codec-key.ts', '--id', 'k-next'], {
      cwd: repoRoot,
      env: { ...process.env, TRIPSAGA_DATA_DIR: dataDir },
    });
    expect(stdout).toContain('codec key "k-next" now encrypts');
    const after = await loadDataProtection({ env: {}, dataDir });
    const [fresh] = await after.codec.encode([defaultPayloadConverter.toPayload('sealed after')!]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('k-next');
    expect((await after.codec.decode([sealed!])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['sealed before the rotation']);
    expect(after.travelerPseudonym('ada@example.com')).toBe(before.travelerPseudonym('ada@example.com'));
    expect(Object.keys(JSON.parse(await readFile(path.join(dataDir, keyFileName), 'utf8')).codec.keys)).toHaveLength(2);
  });

  it('keys from the environment take precedence, and a malformed one is refused with the reason', async () => {
    const env = { TEMPORAL_CODEC_KEYS: `a=${Buffer.alloc(32, 1).toString('base64')}`, TRAVELER_PSEUDONYM_KEY: Buffer.alloc(32, 2).toString('base64') };
    const fromEnv = await loadDataProtection({ env, dataDir: path.join(dataDir, 'absent') });
    expect(fromEnv.codecOperatorToken).toBeUndefined();
    await expect(loadDataProtection({ env: { ...env, TEMPORAL_CODEC_KEYS: 'a=c2hvcnQ=' }, dataDir })).rejects.toThrow(/key "a" must be 32 bytes/);
    await expect(loadDataProtection({ env: { ...env, TRAVELER_PSEUDONYM_KEY: 'c2hvcnQ=' }, dataDir })).rejects.toThrow(/at least 32 bytes/);
    await expect(loadDataProtection({ env: { ...env, CODEC_OPERATOR_TOKEN: 'short' }, dataDir })).rejects.toThrow(/at least 24/);
  });
});
