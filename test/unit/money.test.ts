import { describe, expect, it } from 'vitest';
import { MixedCurrencies, formatMoney, reservedCurrencies, reservedTotal } from '../../src/lib/money.ts';
import { summaryTotal } from '../../src/read-model/trip-summary.ts';

describe('money', () => {
  it("a trip's total counts only what is still reserved", () => {
    const items = [
      { amount: 40_000, currency: 'EUR', status: 'RESERVED' },
      { amount: 9_000, currency: 'EUR', status: 'CANCELLED' },
      { amount: 4_050, currency: 'EUR' }, // no status: a price, counted
    ];
    expect(reservedTotal(items)).toEqual({ amount: 44_050, currency: 'EUR' });
  });

  it('nothing reserved costs 0 in the default currency', () => {
    expect(reservedTotal([])).toEqual({ amount: 0, currency: 'EUR' });
    expect(reservedTotal([{ amount: 500, currency: 'USD', status: 'CANCELLED' }])).toEqual({ amount: 0, currency: 'EUR' });
  });

  it('several currencies have no single total; a cancelled item in another currency does not count', () => {
    const mixed = [
      { amount: 100, currency: 'EUR' },
      { amount: 200, currency: 'USD' },
      { amount: 300, currency: 'GBP', status: 'CANCELLED' },
    ];
    expect(reservedCurrencies(mixed)).toEqual(['EUR', 'USD']);
    expect(() => reservedTotal(mixed)).toThrow(MixedCurrencies);
    expect(() => reservedTotal(mixed)).toThrow('EUR, USD');
    expect(reservedTotal(mixed.slice(0, 1).concat(mixed.slice(2)))).toEqual({ amount: 100, currency: 'EUR' });
  });

  it('formats minor units with two decimals and the currency', () => {
    expect(formatMoney({ amount: 12_345, currency: 'EUR' })).toBe('123.45 EUR');
    expect(formatMoney({ amount: 5, currency: 'EUR' })).toBe('0.05 EUR');
    expect(formatMoney({ amount: 0, currency: 'USD' })).toBe('0.00 USD');
  });
});

describe("the read model's total", () => {
  const legs = {
    flight: { offerId: 'f', quantity: 2, status: 'RESERVED' as const, amount: 40_000, currency: 'EUR' },
    hotel: { offerId: 'h', quantity: 1, status: 'CANCELLED' as const, amount: 9_000, currency: 'EUR' },
    car: { offerId: 'c', quantity: 1, status: 'PENDING' as const },
  };

  it('is what the legs still reserved add up to until a charge is taken', () => {
    expect(summaryTotal(legs, undefined)).toEqual({ amount: 40_000, currency: 'EUR' });
  });

  it('is the charge once taken, even after a refund released the legs', () => {
    const released = { ...legs, flight: { ...legs.flight, status: 'CANCELLED' as const } };
    expect(summaryTotal(released, { amount: 49_000, currency: 'EUR' })).toEqual({ amount: 49_000, currency: 'EUR' });
  });
});
