import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CloudEvent } from '../../src/events/cloud-event.ts';

const dir = fileURLToPath(new URL('../fixtures/recorded-events/before-v2/', import.meta.url));

/** Events written by the producers before booking.requested v2 and booking.confirmed v2 (scripts/record-events.ts). */
export function recordedV1Events(): { scenario: string; events: CloudEvent<Record<string, unknown>>[] }[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
}

export function recordedV1Event(scenario: string, type: string): CloudEvent<Record<string, unknown>> {
  const event = recordedV1Events()
    .find((recording) => recording.scenario === scenario)
    ?.events.find((e) => e.type === type);
  if (!event) throw new Error(`no ${type} recorded in ${scenario}`);
  return structuredClone(event);
}

/** A wallet's events written before wallet.deposited v2 (scripts/record-events.ts --wallets). */
export function recordedWalletV1Events(): { scenario: string; recordedFrom: string; events: CloudEvent<Record<string, unknown>>[] } {
  const file = fileURLToPath(new URL('../fixtures/recorded-events/wallet-v1/wallet-deposit-charge-refund.json', import.meta.url));
  return JSON.parse(readFileSync(file, 'utf8'));
}
