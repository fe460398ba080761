import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { bookingSearchAttributes } from '../../workflows/search-attributes.ts';

/** `--search-attribute Name=Type` flags for `temporal server start-dev` (types spelled as the CLI wants them). */
export function devServerSearchAttributes(): Record<string, string> {
  const cliType = (type: string) => type.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
  return Object.fromEntries(bookingSearchAttributes.map((key) => [key.name, cliType(key.type)]));
}

/**
 * Registers the saga's search attributes on a self-hosted cluster when they are missing, so a new deployment does not
 * stall every saga on its first upsert. Where the operator API is not ours to call (Temporal Cloud, restricted roles)
 * it says what to create by hand and carries on.
 */
export async function ensureSearchAttributes(client: Client, log: (line: string) => void) {
  const namespace = client.options.namespace;
  try {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
    const missing = bookingSearchAttributes.filter((key) => !(key.name in (customAttributes ?? {})));
    if (missing.length === 0) return;
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, proto.temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
    });
    log(`registered search attributes ${missing.map((k) => k.name).join(', ')} on namespace ${namespace}`);
  } catch (error) {
    const commands = bookingSearchAttributes.map((k) => `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${devServerSearchAttributes()[k.name]}`);
    log(`could not check search attributes (${(error as Error).message}); create them with:\n  ${commands.join('\n  ')}`);
  }
}
