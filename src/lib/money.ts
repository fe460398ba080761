/**
 * Money, in one place: amounts are integers in minor units (cents) with an ISO 4217 currency. A trip's total is
 * computed here and only here (reservedTotal), and every text that shows an amount formats it with formatMoney.
 */
export interface Money {
  amount: number;
  currency: string;
}

export interface PricedItem {
  amount: number;
  currency: string;
  /** Only items still RESERVED count; a cancelled reservation costs nothing. */
  status?: string;
}

/** Offers are priced in EUR only (the API refuses anything else), so a trip with nothing reserved is 0 EUR. */
export const defaultCurrency = 'EUR';

/** A trip priced in several currencies has no single total (and no single charge can pay for it). */
export class MixedCurrencies extends Error {
  override readonly name = 'MixedCurrencies';
  constructor(readonly currencies: string[]) {
    super(`a trip priced in several currencies has no single total: ${currencies.join(', ')}`);
  }
}

/** The currencies of the items still reserved, each once, in the order first met. */
export function reservedCurrencies(items: readonly PricedItem[]): string[] {
  return [...new Set(items.filter(isReserved).map((item) => item.currency))];
}

/** What the trip's reservations still held cost together: the trip's total. Throws MixedCurrencies. */
export function reservedTotal(items: readonly PricedItem[]): Money {
  const reserved = items.filter(isReserved);
  const currencies = reservedCurrencies(reserved);
  if (currencies.length > 1) throw new MixedCurrencies(currencies);
  return { amount: reserved.reduce((sum, item) => sum + item.amount, 0), currency: currencies[0] ?? defaultCurrency };
}

/** `{ amount: 12345, currency: 'EUR' }` -> `123.45 EUR`. */
export function formatMoney({ amount, currency }: Money): string {
  return `${(amount / 100).toFixed(2)} ${currency}`;
}

function isReserved(item: PricedItem): boolean {
  return item.status === undefined || item.status === 'RESERVED';
}
