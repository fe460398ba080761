import type { Logger } from 'pino';
import { verifierFromSettings } from '../auth/verify-token.ts';
import type { AppConfig } from '../config.ts';
import type { ApiWiring } from '../services.ts';
import { accessLog } from './access-log.ts';
import { connectRateLimitStore } from './rate-limit.ts';

/** What an entry point serving the API opens besides the domain: the token verifier, the limiter's store, the access log. */
export async function openApiWiring(config: AppConfig, logger: Logger, log: (line: string) => void): Promise<ApiWiring & { close(): Promise<void> }> {
  const auth = await verifierFromSettings(config.auth, config.dataDir);
  log(`tokens verified against ${auth.source} (issuer ${config.auth.issuer}, audience ${config.auth.audience})`);
  const limiter = config.redisUrl ? await connectRateLimitStore(config.redisUrl, `${config.redisKeyPrefix}rate-limit:`, log) : undefined;
  if (config.limits.writesPerWindow > 0) {
    log(`writes limited to ${config.limits.writesPerWindow} per ${config.limits.windowSeconds} s per caller, counted ${limiter ? `in Redis at ${config.redisUrl}` : 'in memory'}`);
  }
  return { auth, writeLimitStore: limiter?.store, accessLog: accessLog(logger), close: async () => limiter?.close() };
}
