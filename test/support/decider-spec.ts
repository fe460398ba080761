import { expect } from 'vitest';

/**
 * Given events, when a command, then events or a rejection: a decider test in the shape of Emmett's
 * DeciderSpecification, for a decide that returns its rejection instead of throwing it.
 */
export function deciderSpec<S, E, C, R extends { rejected: string }>(decider: {
  decide: (command: C, state: S) => readonly E[] | R;
  evolve: (state: S, event: E) => S;
  initialState: () => S;
}) {
  return {
    given(events: readonly E[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        when(command: C) {
          const decision = decider.decide(command, state);
          return {
            then(expected: readonly E[]) {
              expect(decision).toEqual(expected);
            },
            thenNothing() {
              expect(decision).toEqual([]);
            },
            thenRejects(reason: R['rejected'], details?: Record<string, unknown>) {
              expect(decision).toMatchObject({ rejected: reason, ...(details ? { details } : {}) });
            },
          };
        },
      };
    },
  };
}
