/**
 * Per-key serial queues with a cap on how many run at once: items of one lane (a booking) are worked on one after
 * another, in the order pushed; lanes of different keys run side by side, at most `concurrency` at a time, in the
 * order they became ready. No I/O and no timers of its own: the consumer runner puts deliveries through it.
 */
export interface LaneSchedulerOptions<T> {
  concurrency: number;
  /** Works on one item. A lane's next item starts only once this settles; a rejection is the caller's to handle. */
  work: (item: T, lane: string) => Promise<void>;
  /** Told when the scheduler starts holding items and when it holds none any more (e.g. to run a timer only then). */
  onBusyChange?: (busy: boolean) => void;
}

export function createLaneScheduler<T>({ concurrency, work, onBusyChange = () => {} }: LaneSchedulerOptions<T>) {
  if (!(concurrency >= 1)) throw new Error(`concurrency must be at least 1, got ${concurrency}`);
  const lanes = new Map<string, T[]>(); // every lane with work, running or waiting for a slot
  const ready: string[] = []; // lanes with work and no slot yet
  const inWork = new Set<T>();
  let running = 0;
  let idleWaiters: (() => void)[] = [];

  const busy = () => lanes.size > 0;

  async function runLane(lane: string) {
    running += 1;
    try {
      const queue = lanes.get(lane)!;
      while (queue.length > 0) {
        const item = queue.shift() as T;
        inWork.add(item);
        try {
          await work(item, lane);
        } catch {
          // The caller's work handles its own failures; one that escapes must not stop the lane.
        } finally {
          inWork.delete(item);
        }
      }
      lanes.delete(lane);
    } finally {
      running -= 1;
      startLanes();
      if (!busy()) {
        onBusyChange(false);
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  function startLanes() {
    while (running < concurrency && ready.length > 0) void runLane(ready.shift() as string);
  }

  return {
    /** Queues `item` behind the lane's earlier items. */
    push(lane: string, item: T): void {
      const queue = lanes.get(lane);
      if (queue) {
        queue.push(item);
        return;
      }
      const wasBusy = busy();
      lanes.set(lane, [item]);
      ready.push(lane);
      if (!wasBusy) onBusyChange(true);
      startLanes();
    },

    /** Every item held: being worked on, or waiting in a lane. */
    held(): T[] {
      return [...inWork, ...[...lanes.values()].flat()];
    },

    /** Lanes running right now (never more than `concurrency`). */
    running: () => running,

    /** Resolves once every item pushed so far has been worked on. */
    drained(): Promise<void> {
      if (!busy()) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

export type LaneScheduler<T> = ReturnType<typeof createLaneScheduler<T>>;
