// Stands in for @temporalio/workflow in the retirement tests: the saga at step 3 of retiring a patch, with no patch call
// left and the new code unconditional. It is also what shipping the change without `patched()` would have been.
export * from '@temporalio/workflow/lib/index.js';

export function patched(_patchId: string): boolean {
  return true;
}
