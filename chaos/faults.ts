import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../src/cluster/cluster.ts';
import { type ClientLedger, fireBurst, type Offers } from './booking-load.ts';

/**
 * One fault: what breaks, for how long, and how it comes back (a supervisor restarting a killed process, an operator
 * restarting a server). `downMs` is how long it stays broken before it is brought back.
 */
export interface Fault {
  name: string;
  inject(context: FaultContext): Promise<void>;
  restore(context: FaultContext): Promise<void>;
}

export interface FaultContext {
  cluster: Cluster;
  offers: Offers;
  runId: string;
  ledger: ClientLedger;
  downMs: number;
  log: (line: string) => void;
}

/** The node that leads the events stream: killing it forces an election, the harder case for the relay. */
async function eventsStreamLeader(cluster: Cluster): Promise<number> {
  for (const [index, node] of cluster.natsNodes.entries()) {
    const res = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz?streams=true`).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as { account_details?: { stream_detail?: { name: string; cluster?: { leader?: string } }[] }[] } | undefined;
    const leader = body?.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name.endsWith('_EVENTS'))?.cluster?.leader;
    if (leader) return Math.max(0, cluster.natsNodes.findIndex((n) => n.name === leader));
    if (index === cluster.natsNodes.length - 1) break;
  }
  return 0;
}

let natsVictim = 0;

export const faults: Fault[] = [
  {
    name: 'SIGKILL a worker',
    inject: ({ cluster }) => cluster.killPart('worker', 0),
    restore: ({ cluster }) => cluster.startPart('worker', 0),
  },
  {
    name: 'stop and restart the Temporal server',
    inject: ({ cluster }) => cluster.stopTemporal(),
    restore: ({ cluster }) => cluster.startTemporal(),
  },
  {
    name: 'SIGKILL a NATS node (the stream leader)',
    inject: async ({ cluster, log }) => {
      natsVictim = await eventsStreamLeader(cluster);
      log(`  (${cluster.natsNodes[natsVictim]!.name} leads the events stream)`);
      await cluster.killNatsNode(natsVictim);
    },
    restore: ({ cluster }) => cluster.startNatsNode(natsVictim),
  },
  {
    name: 'SIGKILL a relay',
    inject: ({ cluster }) => cluster.killPart('relay', 0),
    restore: ({ cluster }) => cluster.startPart('relay', 0),
  },
  {
    name: 'SIGKILL a consumers process',
    inject: ({ cluster }) => cluster.killPart('consumers', 0),
    restore: ({ cluster }) => cluster.startPart('consumers', 0),
  },
  {
    name: 'restart PostgreSQL',
    // pg_ctl stop -m fast cuts every session; nothing is accepted until it is started again.
    inject: ({ cluster }) => cluster.postgres.stop('fast'),
    restore: ({ cluster }) => cluster.postgres.start(),
  },
  {
    name: 'SIGKILL an API in the middle of a burst',
    inject: async ({ cluster, offers, runId, ledger }) => {
      const burst = fireBurst(cluster.apiUrls[0]!, offers, runId, 24, ledger);
      await sleep(150);
      await cluster.killPart('api', 0);
      await burst;
    },
    restore: ({ cluster }) => cluster.startPart('api', 0),
  },
];
