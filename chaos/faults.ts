import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../src/cluster/cluster.ts';
import { type ClientLedger, fireBurst, type LoadTokens, type Offers } from './booking-load.ts';

/**
 * One fault: what breaks, and how it comes back (a supervisor restarting a killed process, an operator restarting a
 * server). `inject` breaks it and returns what brings it back; the run keeps it broken for `downMs` in between.
 */
export interface Fault {
  name: string;
  inject(context: FaultContext): Promise<() => Promise<void>>;
}

export interface FaultContext {
  cluster: Cluster;
  offers: Offers;
  runId: string;
  ledger: ClientLedger;
  tokens: LoadTokens;
  log: (line: string) => void;
}

/** The node that leads the events stream: killing it forces an election, the harder case for the relay. */
async function eventsStreamLeader(cluster: Cluster): Promise<number> {
  for (const node of cluster.natsNodes) {
    const res = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz?streams=true`).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as { account_details?: { stream_detail?: { name: string; cluster?: { leader?: string } }[] }[] } | undefined;
    const leader = body?.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name.endsWith('_EVENTS'))?.cluster?.leader;
    if (leader) return Math.max(0, cluster.natsNodes.findIndex((n) => n.name === leader));
  }
  return 0; // no node answered: any will do
}

export const faults: Fault[] = [
  {
    name: 'SIGKILL a worker',
    inject: async ({ cluster }) => {
      await cluster.killPart('worker', 0);
      return () => cluster.startPart('worker', 0);
    },
  },
  {
    name: 'stop and restart the Temporal server',
    inject: async ({ cluster }) => {
      await cluster.stopTemporal();
      return () => cluster.startTemporal();
    },
  },
  {
    name: 'SIGKILL a NATS node (the stream leader)',
    inject: async ({ cluster, log }) => {
      const leader = await eventsStreamLeader(cluster);
      log(`  (${cluster.natsNodes[leader]!.name} leads the events stream)`);
      await cluster.killNatsNode(leader);
      return () => cluster.startNatsNode(leader);
    },
  },
  {
    name: 'SIGKILL a relay',
    inject: async ({ cluster }) => {
      await cluster.killPart('relay', 0);
      return () => cluster.startPart('relay', 0);
    },
  },
  {
    name: 'SIGKILL a consumers process',
    inject: async ({ cluster }) => {
      await cluster.killPart('consumers', 0);
      return () => cluster.startPart('consumers', 0);
    },
  },
  {
    name: 'restart PostgreSQL',
    // pg_ctl stop -m fast cuts every session; nothing is accepted until it is started again.
    inject: async ({ cluster }) => {
      await cluster.postgres.stop('fast');
      return () => cluster.postgres.start();
    },
  },
  {
    name: 'SIGKILL an API in the middle of a burst',
    inject: async ({ cluster, offers, runId, ledger, tokens }) => {
      const burst = fireBurst(cluster.apiUrls[0]!, offers, runId, 24, ledger, tokens);
      await sleep(150);
      await cluster.killPart('api', 0);
      await burst;
      return () => cluster.startPart('api', 0);
    },
  },
];
