import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

/** Unit tests: the wallet's settings as the processes read them from the environment. */
describe('wallet settings (unit)', () => {
  it('default to an opening credit of 10 000.00 EUR and a snapshot every 50 events', () => {
    expect(loadConfig({}).wallet).toEqual({ openingCredit: { amount: 1_000_000, currency: 'EUR' }, snapshotEvery: 50 });
  });

  it('read WALLET_OPENING_CREDIT (minor units, 0 allowed) and WALLET_SNAPSHOT_EVERY', () => {
    expect(loadConfig({ WALLET_OPENING_CREDIT: '0', WALLET_SNAPSHOT_EVERY: '10' }).wallet).toEqual({
      openingCredit: { amount: 0, currency: 'EUR' },
      snapshotEvery: 10,
    });
  });

  it.each([
    [{ WALLET_OPENING_CREDIT: '100.00' }, /WALLET_OPENING_CREDIT must be a whole number, at least 0, got "100.00"/],
    [{ WALLET_OPENING_CREDIT: '-5' }, /WALLET_OPENING_CREDIT must be a whole number/],
    [{ WALLET_SNAPSHOT_EVERY: '0' }, /WALLET_SNAPSHOT_EVERY must be a whole number, at least 1, got "0"/],
  ])('refuse %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
