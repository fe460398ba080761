import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryAndWorkflowId } from '@temporalio/common';
// Not re-exported by the package index; the same converter the SDK's replayer uses to read JSON histories.
import { type History, historyToJSON } from '@temporalio/common/lib/proto-utils.js';

/**
 * Committed histories: `test/replay/histories/<set>/<scenario>.json`, one set per capture run (named for the workflow
 * code that produced it), each file in the JSON form `temporal workflow show --output json` writes.
 * (`historyToJSON` writes the same JSON as that command: checked against CLI 1.5.1). `capture.json` beside them records
 * where the set came from.
 */
export const historiesDir = fileURLToPath(new URL('../../test/replay/histories', import.meta.url));
export const captureManifestName = 'capture.json';

export interface HistoryFile {
  set: string;
  scenario: string;
  path: string;
}

export async function listHistoryFiles(dir = historiesDir): Promise<HistoryFile[]> {
  const sets = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const files = await Promise.all(
    sets.sort().map(async (set) =>
      (await readdir(path.join(dir, set)))
        .filter((name) => name.endsWith('.json') && name !== captureManifestName)
        .sort()
        .map((name) => ({ set, scenario: name.replace(/\.json$/, ''), path: path.join(dir, set, name) })),
    ),
  );
  return files.flat();
}

/** What `Worker.runReplayHistories` takes; the workflow id is `<set>/<scenario>`, so a failure names its file. */
export async function loadForReplay(file: HistoryFile): Promise<HistoryAndWorkflowId> {
  return { workflowId: `${file.set}/${file.scenario}`, history: JSON.parse(await readFile(file.path, 'utf8')) };
}

export function historyFileContent(history: History): string {
  return `${historyToJSON(history)}\n`;
}
