import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/create-worker.ts';

/** A module of workflows/ (by file name) and the file that replaces it in a variant bundle. */
export type ModuleSwap = Record<string, URL>;

/**
 * The real workflow code with some of its modules swapped for variants: the saga changed in exactly one place, so a
 * replay failure can only come from that change. The swap is a webpack alias on the resolved path, so the workflow's
 * own import statements stay as they are. (A swap that did not take would replay cleanly and fail the negative test.)
 */
export async function bundleWorkflowVariant(swaps: ModuleSwap) {
  const alias = Object.fromEntries(
    Object.entries(swaps).map(([file, replacement]) => [
      fileURLToPath(new URL(`../../workflows/${file}`, import.meta.url)),
      fileURLToPath(replacement),
    ]),
  );
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: silent,
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as Record<string, string | false>), ...alias } },
    }),
  });
  return { code };
}

const silent = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {} };
