import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClusterSettings } from '../../src/config.ts';

describe('cluster settings', () => {
  it('defaults to fixed ports from 17300 and 3300 and a data directory under the temporary directory', () => {
    expect(loadClusterSettings({})).toEqual({
      dataDir: path.join(os.tmpdir(), 'tripsaga-cluster'),
      ports: { kind: 'fixed', base: 17300, appBase: 3300 },
      postgresBinDir: undefined,
    });
  });

  it('takes free ports, a data directory and PostgreSQL binaries from the environment', () => {
    expect(loadClusterSettings({ CLUSTER_PORTS: 'free', CLUSTER_DATA_DIR: 'here', POSTGRES_BIN_DIR: '/opt/pg/bin' })).toEqual({
      dataDir: path.resolve('here'),
      ports: { kind: 'free' },
      postgresBinDir: '/opt/pg/bin',
    });
  });

  it('refuses a port base that is not a port, naming the setting', () => {
    expect(() => loadClusterSettings({ CLUSTER_PORT_BASE: 'seventeen' })).toThrow(/CLUSTER_PORT_BASE/);
    expect(() => loadClusterSettings({ CLUSTER_PORTS: 'any' })).toThrow(/CLUSTER_PORTS must be one of free, fixed/);
  });
});
