import pg from 'pg';

/**
 * A pool whose connections record every statement they send, BEGIN and COMMIT included (Prisma's query log leaves
 * some of those out): what a test needs to count round trips rather than assume them.
 */
export function recordingPool(connectionString: string, statements: string[]): pg.Pool {
  const pool = new pg.Pool({ connectionString });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const [first] = args;
      statements.push((typeof first === 'string' ? first : (first as { text: string }).text).replace(/\s+/g, ' ').trim());
      return query(...args);
    }) as typeof client.query;
  });
  return pool;
}
