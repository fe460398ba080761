import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTemporalCli } from '../src/temporal/cli.ts';
import { type DevServer, startTemporalDevServer } from '../src/temporal/dev-server.ts';
import { ensureSearchAttributes } from '../src/temporal/search-attributes.ts';

const run = promisify(execFile);
const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const sagaAttributes = { BookingStatus: KEYWORD, TravelerEmail: KEYWORD, FailedStep: KEYWORD };

// A cluster of our own that has never heard of the saga's search attributes, as a new real cluster has not.
describe('search attributes on a cluster that lacks them', () => {
  let cli: string;
  let server: DevServer;
  let connection: Connection;
  beforeAll(async () => {
    cli = await ensureTemporalCli({ log: () => {} });
    server = await startTemporalDevServer({ cliPath: cli, uiPort: null });
    connection = await Connection.connect({ address: server.address });
  });
  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  async function customAttributes(namespace: string) {
    return (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  }

  it("the operator commands in docs/temporal-ui.md create exactly the attributes the saga upserts", async () => {
    const page = await readFile(new URL('../docs/temporal-ui.md', import.meta.url), 'utf8');
    const commands = page.match(/^\s*temporal operator search-attribute create .*$/gm) ?? [];
    expect(commands).toHaveLength(3);
    for (const command of commands) {
      const [, ...args] = command.trim().split(/\s+/);
      await run(cli, [...args, '--address', server.address]);
    }
    expect(await customAttributes('default')).toMatchObject(sagaAttributes);
    const log: string[] = [];
    await ensureSearchAttributes(new Client({ connection, namespace: 'default' }), (line) => log.push(line));
    expect(log).toEqual([]); // nothing left for the worker to add
  });

  it('the worker adds the missing ones at start, and leaves them alone the next time', async () => {
    const namespace = `bare-${randomUUID().slice(0, 8)}`;
    await run(cli, ['operator', 'namespace', 'create', '--namespace', namespace, '--address', server.address]);
    const client = new Client({ connection, namespace });
    expect(Object.keys(await customAttributes(namespace))).not.toContain('BookingStatus');

    const log: string[] = [];
    await ensureSearchAttributes(client, (line) => log.push(line));
    expect(log).toEqual([`registered search attributes BookingStatus, TravelerEmail, FailedStep on namespace ${namespace}`]);
    expect(await customAttributes(namespace)).toMatchObject(sagaAttributes);

    log.length = 0;
    await ensureSearchAttributes(client, (line) => log.push(line));
    expect(log).toEqual([]);
  });
});
