/**
 * ANTI-PATTERN, kept only to be run by test/mistakes/events-for-crud.test.ts: the offer catalogue, which is plain
 * data an operator types in, rebuilt as an event-sourced aggregate. This file is the "domain": what can happen to an
 * offer, how its state follows from what happened, and which commands are allowed.
 */

export type OfferKind = 'flight' | 'hotel' | 'car';

export type OfferEvent =
  | { type: 'OfferCreated'; data: { kind: OfferKind; name: string; capacity: number; priceAmount: number; currency: 'EUR' } }
  | { type: 'OfferRepriced'; data: { priceAmount: number } }
  | { type: 'OfferCapacityChanged'; data: { capacity: number } };

export interface OfferState {
  exists: boolean;
  kind?: OfferKind;
  name?: string;
  capacity: number;
  /** Units not taken. Bookings would have to append events too, or the view could never say it. */
  available: number;
  priceAmount: number;
  currency: string;
}

export type OfferCommand =
  | { type: 'CreateOffer'; kind: OfferKind; name: string; capacity: number; priceAmount: number }
  | { type: 'RepriceOffer'; priceAmount: number }
  | { type: 'ChangeCapacity'; capacity: number };

export const initialOfferState: OfferState = { exists: false, capacity: 0, available: 0, priceAmount: 0, currency: 'EUR' };

export function evolve(state: OfferState, event: OfferEvent): OfferState {
  switch (event.type) {
    case 'OfferCreated':
      return { ...state, exists: true, ...event.data, available: event.data.capacity };
    case 'OfferRepriced':
      return { ...state, priceAmount: event.data.priceAmount };
    case 'OfferCapacityChanged': {
      const taken = state.capacity - state.available;
      return { ...state, capacity: event.data.capacity, available: Math.max(0, event.data.capacity - taken) };
    }
  }
}

export function decide(command: OfferCommand, state: OfferState): OfferEvent[] {
  switch (command.type) {
    case 'CreateOffer':
      if (state.exists) throw new Error('the offer exists already');
      return [{ type: 'OfferCreated', data: { kind: command.kind, name: command.name, capacity: command.capacity, priceAmount: command.priceAmount, currency: 'EUR' } }];
    case 'RepriceOffer':
      if (!state.exists) throw new Error('no such offer');
      return state.priceAmount === command.priceAmount ? [] : [{ type: 'OfferRepriced', data: { priceAmount: command.priceAmount } }];
    case 'ChangeCapacity':
      if (!state.exists) throw new Error('no such offer');
      if (command.capacity < state.capacity - state.available) throw new Error('fewer units than are already taken');
      return [{ type: 'OfferCapacityChanged', data: { capacity: command.capacity } }];
  }
}
