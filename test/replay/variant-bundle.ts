import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/create-worker.ts';
import { workflowTracingModules } from '../../src/tracing/temporal-tracing.ts';

/** What to replace, a module of workflows/ (`trip-plan.ts`) or a package (`@temporalio/workflow`), and its stand-in. */
export type ModuleSwap = Record<string, URL>;

/**
 * The real workflow code with some of its modules swapped for variants: the saga changed in exactly one place, so a
 * replay failure can only come from that change. The swap is a webpack alias on the resolved path, so the workflow's
 * own import statements stay as they are. (A swap that did not take would replay cleanly and fail the negative test.)
 */
export async function bundleWorkflowVariant(swaps: ModuleSwap) {
  const alias = Object.fromEntries(
    Object.entries(swaps).map(([module, replacement]) => [
      // A workflow module is matched by its resolved path; a package by its exact name (the `$`), so that the stand-in
      // can still import the package's own files.
      module.endsWith('.ts') ? fileURLToPath(new URL(`../../workflows/${module}`, import.meta.url)) : `${module}$`,
      fileURLToPath(replacement),
    ]),
  );
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    // With the tracing interceptors, like the current code the variant is compared with (test/support/global-setup.ts).
    workflowInterceptorModules: workflowTracingModules,
    logger: silent,
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as Record<string, string | false>), ...alias } },
    }),
  });
  return { code };
}

const silent = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {} };
