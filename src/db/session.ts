import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * One database session of its own, for what a pooled client cannot do: hold session-level advisory locks and LISTEN.
 * On a server it is a dedicated connection; on the embedded database it is the one PGlite session of the process.
 */
export interface DbSession {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Calls `onNotify` for each NOTIFY on `channel` (delivered once the notifying transaction commits). */
  listen(channel: string, onNotify: () => void): Promise<void>;
  /** Set once the connection is gone: its locks are released, its LISTENs deaf. Open a new session. */
  readonly lost: Error | undefined;
  close(): Promise<void>;
}

export async function openServerSession(url: string, log: (line: string) => void = () => {}): Promise<DbSession> {
  const client = new pg.Client({ connectionString: url, keepAlive: true });
  let lost: Error | undefined;
  let closing = false;
  const markLost = (error: Error) => {
    if (!closing && !lost) log(`database session lost: ${error.message}`);
    lost ??= error;
  };
  // Without an 'error' listener a dropped connection would crash the process.
  client.on('error', markLost);
  client.on('end', () => markLost(new Error('connection ended')));
  await client.connect();
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async listen(channel, onNotify) {
      client.on('notification', (message) => {
        if (message.channel === channel) onNotify();
      });
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    },
    get lost() {
      return lost;
    },
    async close() {
      closing = true;
      await client.end().catch(() => {});
    },
  };
}

/** The embedded database is one session shared by the whole process: closing this view only stops its listeners. */
export function embeddedSession(pglite: PGlite): DbSession {
  const unlisteners: (() => Promise<void>)[] = [];
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await pglite.query<T>(sql, params)).rows;
    },
    async listen(channel, onNotify) {
      unlisteners.push(await pglite.listen(channel, onNotify));
    },
    lost: undefined,
    async close() {
      await Promise.all(unlisteners.splice(0).map((unlisten) => unlisten()));
    },
  };
}
