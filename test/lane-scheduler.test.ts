import { describe, expect, it } from 'vitest';
import { createLaneScheduler } from '../src/consumers/lane-scheduler.ts';

// The per-booking serial queue of the consumer runner, on its own: items in memory, work that finishes when the test
// says so. Needs no server.
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function recorder(concurrency: number) {
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  const busy: boolean[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const scheduler = createLaneScheduler<string>({
    concurrency,
    work: async (item) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      started.push(item);
      const g = gate();
      gates.set(item, g);
      await g.opened;
      running -= 1;
      if (item.endsWith('!')) throw new Error(`${item} failed`);
    },
    onBusyChange: (b) => busy.push(b),
  });
  const finish = async (item: string) => {
    gates.get(item)!.open();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { scheduler, started, finish, busy, mostAtOnce: () => mostAtOnce };
}

describe('lane scheduler', () => {
  it("works on one lane's items one after another, in the order pushed", async () => {
    const { scheduler, started, finish } = recorder(4);
    scheduler.push('bk_1', 'a1');
    scheduler.push('bk_1', 'a2');
    scheduler.push('bk_1', 'a3');
    expect(started).toEqual(['a1']);
    await finish('a1');
    expect(started).toEqual(['a1', 'a2']);
    await finish('a2');
    await finish('a3');
    expect(started).toEqual(['a1', 'a2', 'a3']);
    await scheduler.drained();
  });

  it('runs lanes side by side up to the cap; a waiting lane starts when a slot frees, in the order lanes became ready', async () => {
    const { scheduler, started, finish, mostAtOnce } = recorder(2);
    for (const lane of ['bk_1', 'bk_2', 'bk_3', 'bk_4']) scheduler.push(lane, lane);
    expect(started).toEqual(['bk_1', 'bk_2']);
    expect(scheduler.running()).toBe(2);
    await finish('bk_2');
    expect(started).toEqual(['bk_1', 'bk_2', 'bk_3']);
    await finish('bk_1');
    expect(started).toEqual(['bk_1', 'bk_2', 'bk_3', 'bk_4']);
    await finish('bk_3');
    await finish('bk_4');
    await scheduler.drained();
    expect(mostAtOnce()).toBe(2);
  });

  it('a lane held up by a slow item holds up only itself', async () => {
    const { scheduler, started, finish } = recorder(2);
    scheduler.push('slow', 's1');
    scheduler.push('slow', 's2');
    scheduler.push('fast', 'f1');
    scheduler.push('fast', 'f2');
    await finish('f1');
    await finish('f2');
    expect(started).toEqual(['s1', 'f1', 'f2']);
    await finish('s1');
    await finish('s2');
  });

  it('a failing item does not stop its lane', async () => {
    const { scheduler, started, finish } = recorder(1);
    scheduler.push('bk_1', 'x!');
    scheduler.push('bk_1', 'y');
    await finish('x!');
    expect(started).toEqual(['x!', 'y']);
    await finish('y');
    await scheduler.drained();
  });

  it('holds what is queued or in work, tells when it becomes busy and idle, and drained() waits for all of it', async () => {
    const { scheduler, finish, busy } = recorder(1);
    expect(scheduler.held()).toEqual([]);
    await scheduler.drained(); // nothing held: resolves at once
    scheduler.push('bk_1', 'a');
    scheduler.push('bk_2', 'b');
    scheduler.push('bk_1', 'c');
    expect(scheduler.held().sort()).toEqual(['a', 'b', 'c']);
    let drained = false;
    const waiters = [scheduler.drained(), scheduler.drained()].map((p) => p.then(() => (drained = true)));
    await finish('a');
    await finish('c');
    expect(drained).toBe(false);
    expect(scheduler.held()).toEqual(['b']);
    await finish('b');
    await Promise.all(waiters);
    expect(busy).toEqual([true, false]);
  });

  it('refuses a cap below one', () => {
    expect(() => createLaneScheduler({ concurrency: 0, work: async () => {} })).toThrow(/at least 1/);
  });
});
