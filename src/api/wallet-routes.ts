import { type Request, type Response, Router } from 'express';
import type { z } from 'zod';
import { WalletRejected } from '../wallet/wallet-commands.ts';
import { type WalletService, WalletServiceError } from '../wallet/wallet-service.ts';
import { walletStatementSchema } from '../wallet/projections/wallet-statements-read.ts';
import { walletEventsSchema, walletViewSchema } from '../wallet/wallet-view.ts';
import { HttpError, parseOrReject } from './http-errors.ts';
import { idempotencyKeySchema, travelerEmailSchema } from './schemas.ts';
import { depositRequestSchema } from './wallet-schemas.ts';

function reply<S extends z.ZodType>(res: Response, status: number, schema: S, body: z.input<S>) {
  res.status(status).json(schema.parse(body));
}

const statusOf = { wallet_not_found: 404, idempotency_key_reused: 422 } as const;

/** The traveler's wallet: deposits, and reads computed from its events (src/wallet). */
export function walletRouter(wallets: WalletService): Router {
  const router = Router();
  const emailOf = (req: Request) => parseOrReject(travelerEmailSchema, req.params.email, 'params.email');

  router.post('/travelers/:email/wallet/deposits', async (req, res) => {
    const email = emailOf(req);
    if (!req.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
    const key = req.get('Idempotency-Key');
    const idempotencyKey = key === undefined ? undefined : parseOrReject(idempotencyKeySchema, key, 'headers.Idempotency-Key');
    const { amount } = parseOrReject(depositRequestSchema, req.body);
    const { wallet, replayed } = await guarded(() => wallets.deposit(email, amount, idempotencyKey));
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.location(`/travelers/${encodeURIComponent(wallet.traveler)}/wallet`);
    reply(res, 201, walletViewSchema, wallet);
  });

  router.get('/travelers/:email/wallet', async (req, res) => {
    reply(res, 200, walletViewSchema, await guarded(() => wallets.wallet(emailOf(req))));
  });

  router.get('/travelers/:email/wallet/events', async (req, res) => {
    reply(res, 200, walletEventsSchema, await guarded(() => wallets.events(emailOf(req))));
  });

  router.get('/travelers/:email/wallet/statement', async (req, res) => {
    reply(res, 200, walletStatementSchema, await wallets.statement(emailOf(req)));
  });

  return router;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof WalletServiceError) throw new HttpError(statusOf[error.code], error.code, error.message);
    if (error instanceof WalletRejected) throw new HttpError(422, 'deposit_refused', `${error.rejection.rejected}: ${error.rejection.message}`);
    throw error;
  }
}
