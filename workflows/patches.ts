/**
 * The patch ids the saga carries: one per change to the commands it issues, passed to `patched()` where old and new
 * code part ways. Each id is written into the history of every run that took the new path, so never rename or reuse
 * one. docs/changing-the-workflow.md says when each can move to `deprecatePatch()` and then be removed.
 */

/** Since the payment step: the saga charges the trip's total after its last reservation and before it confirms. */
export const chargeBeforeConfirm = 'charge-before-confirm';
