// Stands in for @temporalio/workflow in the retirement tests: the saga as it reads at step 2 of retiring a patch, where
// `if (patched(id)) { new } else { old }` has become `deprecatePatch(id); new`. The marker is still written, the old
// branch is gone.
import { deprecatePatch } from '@temporalio/workflow/lib/index.js';

export * from '@temporalio/workflow/lib/index.js';

export function patched(patchId: string): boolean {
  deprecatePatch(patchId);
  return true;
}
