import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedIssuer } from '../src/auth/embedded-issuer.ts';
import { renewingToken } from '../src/auth/mint-token.ts';
import { loadOrCreateSigningKey, signingKeyPath } from '../src/auth/signing-key.ts';
import { InvalidTokenError, verifierFromSettings } from '../src/auth/verify-token.ts';
import { loadConfig } from '../src/config.ts';

const run = promisify(execFile);
const settings = loadConfig({}).auth;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tripsaga-tokens-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** A token as an identity provider would sign it: RS256, its key id, its issuer. */
const providerToken = (privateKey: CryptoKey, kid: string, claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer('https://id.example')
    .setAudience('tripsaga-api')
    .setSubject('user-1')
    .setExpirationTime('5m')
    .sign(privateKey);

describe('verifying with an identity provider', () => {
  it("against its JWKS (served here over HTTP): the provider's claims map to a principal; an unknown key id is refused", async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
    const server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const verifier = await verifierFromSettings(
        { ...settings, jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`, issuer: 'https://id.example', roleClaim: 'roles', emailClaim: 'mail' },
        dataDir,
      );
      expect(await verifier.verify(await providerToken(privateKey, 'k1', { roles: ['staff', 'traveler'], mail: 'ada@example.com' }))).toEqual({
        role: 'traveler',
        subject: 'user-1',
        email: 'ada@example.com',
      });
      expect(await verifier.verify(await providerToken(privateKey, 'k1', { roles: ['operator'] }))).toMatchObject({ role: 'operator' });
      await expect(verifier.verify(await providerToken(privateKey, 'k2', { roles: ['operator'] }))).rejects.toThrow(InvalidTokenError);
      await expect(verifier.verify(await providerToken(privateKey, 'k1', { roles: ['traveler'] }))).rejects.toThrow(/needs an email in 'mail'/);
    } finally {
      server.close();
    }
  });

  it('against a public key in PEM', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const verifier = await verifierFromSettings({ ...settings, publicKey: await exportSPKI(publicKey), issuer: 'https://id.example' }, dataDir);
    expect(await verifier.verify(await providerToken(privateKey, 'any', { role: 'operator' }))).toMatchObject({ role: 'operator' });
    const other = await generateKeyPair('RS256');
    await expect(verifier.verify(await providerToken(other.privateKey, 'any', { role: 'operator' }))).rejects.toThrow(/signature does not verify/);
  });

  it('with neither and no embedded key, the API refuses to start and says what to set', async () => {
    await expect(verifierFromSettings(settings, path.join(dataDir, 'nothing-here'))).rejects.toThrow(/set AUTH_JWKS_URL or AUTH_PUBLIC_KEY/);
  });
});

describe('the embedded signing key', () => {
  it('is created once, readable by its owner only, and refused when others can read it', async () => {
    const dir = path.join(dataDir, 'embedded');
    const first = await loadOrCreateSigningKey(dir);
    const again = await loadOrCreateSigningKey(dir);
    expect(again.kid).toBe(first.kid);
    expect((await stat(signingKeyPath(dir))).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(signingKeyPath(dir)))).mode & 0o777).toBe(0o700);
    const issuer = (await embeddedIssuer(settings, dir, { create: false }))!;
    const verifier = await verifierFromSettings(settings, dir);
    expect(await verifier.verify(await issuer.mint({ role: 'traveler', email: 'ada@example.com' }))).toMatchObject({ email: 'ada@example.com' });
    await chmod(signingKeyPath(dir), 0o644);
    await expect(loadOrCreateSigningKey(dir)).rejects.toThrow(/can be read by others.*chmod 600/);
  });

  it('npm run token mints tokens the API accepts, and refuses what it cannot do', async () => {
    const dir = path.join(dataDir, 'cli');
    const token = async (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/entrypoints/token.ts', ...args], { env: { ...process.env, TRIPSAGA_DATA_DIR: dir } });
    const { stdout } = await token('--traveler', 'ada@example.com');
    const verifier = await verifierFromSettings(settings, dir);
    expect(await verifier.verify(stdout.trim())).toEqual({ role: 'traveler', subject: 'ada@example.com', email: 'ada@example.com' });
    expect(await verifier.verify((await token('--operator', '--expires', '5m')).stdout.trim())).toMatchObject({ role: 'operator' });
    await expect(token('--traveler', 'not-an-email')).rejects.toMatchObject({ code: 2 });
    await expect(token()).rejects.toMatchObject({ code: 2 });
    const withProvider = run(process.execPath, ['--import', 'tsx', 'src/entrypoints/token.ts', '--operator'], {
      env: { ...process.env, TRIPSAGA_DATA_DIR: dir, AUTH_JWKS_URL: 'https://id.example/jwks' },
    });
    await expect(withProvider).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/identity provider/) });
  });
});

describe("the consumers' own token", () => {
  it('is minted once and again after half its lifetime, so it never expires in flight', async () => {
    const minted: number[] = [];
    let now = 1_000_000_000_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const token = renewingToken(async (expiresAt) => {
        minted.push(expiresAt);
        return `t${minted.length}`;
      }, 3_600);
      expect(await token()).toBe('t1');
      now += 1_799_000;
      expect(await token()).toBe('t1');
      now += 2_000;
      expect(await token()).toBe('t2');
      expect(minted).toEqual([1_000_000_000 + 3_600, 1_000_000_000 + 1_801 + 3_600]);
    } finally {
      Date.now = realNow;
    }
  });
});

describe('security settings', () => {
  it('are read in one place, with their defaults, and a bad value is refused with its name', () => {
    const config = loadConfig({});
    expect(config.limits).toEqual({ writesPerWindow: 120, windowSeconds: 60, runningSagasPerTraveler: 5 });
    expect(config.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    expect(config.corsOrigins).toEqual([]);
    expect(config.metricsAccess).toBe('open');
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example', TRUST_PROXY: '1' })).toMatchObject({
      corsOrigins: ['https://a.example', 'https://b.example'],
      trustProxy: 1,
    });
    expect(() => loadConfig({ RATE_LIMIT_WRITES: 'lots' })).toThrow(/RATE_LIMIT_WRITES/);
    expect(() => loadConfig({ METRICS_ACCESS: 'everyone' })).toThrow(/METRICS_ACCESS must be one of open, operator/);
    expect(() => loadConfig({ AUTH_JWKS_URL: 'jwks.json' })).toThrow(/AUTH_JWKS_URL/);
  });
});
