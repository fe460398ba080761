import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker lifecycle chatter at INFO drowns the test report; warnings and errors still show.
// Imported for its effect by every suite that runs a worker or a replay worker; the runtime is installed once per process.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
