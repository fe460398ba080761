import { createHash } from 'node:crypto';
import { type Db, transactionOptions } from '../db/prisma.ts';
import { loadAggregate } from '../event-store/load-aggregate.ts';
import { readStream } from '../event-store/read-stream.ts';
import type { Money } from '../lib/money.ts';
import { readWalletStatement } from './projections/wallet-statements-read.ts';
import { executeWalletCommand } from './wallet-commands.ts';
import { walletEventCodec } from './wallet-events.ts';
import { travelerKey, walletAggregate, walletStreamId } from './wallet-stream.ts';
import type { WalletSettings } from './wallet-settings.ts';
import { toWalletEventView, toWalletView, type WalletView } from './wallet-view.ts';

export type WalletErrorCode = 'wallet_not_found' | 'idempotency_key_reused';

export class WalletServiceError extends Error {
  override readonly name = 'WalletServiceError';
  constructor(
    readonly code: WalletErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The wallet as the API offers it: deposits (a command), and reads computed from the event store. */
export function createWalletService({ prisma, settings, now = () => new Date() }: { prisma: Db; settings: WalletSettings; now?: () => Date }) {
  const aggregate = walletAggregate(settings);

  async function view(email: string): Promise<WalletView | undefined> {
    const streamId = walletStreamId(email);
    const loaded = await loadAggregate(prisma, aggregate, streamId);
    return loaded.version === 0 ? undefined : toWalletView(streamId, loaded);
  }

  return {
    /**
     * One transaction: the Idempotency-Key's row (taken first: a second request with the same key waits for this one
     * and then replays it), the deposit appended with its expected version (opening the wallet for a new traveler),
     * its outbox events and the summary row.
     */
    async deposit(email: string, amount: Money, idempotencyKey?: string): Promise<{ wallet: WalletView; replayed: boolean }> {
      const streamId = walletStreamId(email);
      const requestHash = createHash('sha256').update(JSON.stringify({ amount: amount.amount, currency: amount.currency })).digest('hex');
      const replayed = await prisma.$transaction(async (tx) => {
        if (idempotencyKey !== undefined) {
          const taken = await tx.$executeRaw`
            INSERT INTO wallet_deposit_requests (stream_id, key, request_hash, stream_position)
            VALUES (${streamId}, ${idempotencyKey}, ${requestHash}, 0) ON CONFLICT DO NOTHING`;
          if (taken === 0) {
            const earlier = await tx.walletDepositRequest.findUniqueOrThrow({ where: { streamId_key: { streamId, key: idempotencyKey } } });
            if (earlier.requestHash !== requestHash) {
              throw new WalletServiceError('idempotency_key_reused', 'This Idempotency-Key was already used with a different deposit');
            }
            return true;
          }
        }
        const { version } = await executeWalletCommand(tx, settings, email, { type: 'Deposit', amount, idempotencyKey }, {
          metadata: { source: 'api', idempotencyKey: idempotencyKey ?? null },
          recordedAt: now(),
        });
        if (idempotencyKey !== undefined) {
          await tx.walletDepositRequest.update({ where: { streamId_key: { streamId, key: idempotencyKey } }, data: { streamPosition: version } });
        }
        return false;
      }, transactionOptions);
      return { wallet: (await view(email))!, replayed };
    },

    async wallet(email: string): Promise<WalletView> {
      const found = await view(email);
      if (!found) throw notFound(email);
      return found;
    },

    async events(email: string) {
      const streamId = walletStreamId(email);
      const events = await readStream(prisma, streamId, walletEventCodec);
      if (events.length === 0) throw notFound(email);
      return { traveler: travelerKey(email), streamId, events: events.map(toWalletEventView) };
    },

    /** The statement from the read model (the async projection): it trails the stream by the pipeline's lag. */
    statement: (email: string) => readWalletStatement(prisma, email),
  };
}

function notFound(email: string) {
  return new WalletServiceError('wallet_not_found', `${travelerKey(email)} has no wallet yet: it opens with the first deposit or booking`);
}

export type WalletService = ReturnType<typeof createWalletService>;
