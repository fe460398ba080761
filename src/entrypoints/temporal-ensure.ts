import { ensureTemporalCli } from '../temporal/cli.ts';

/** `npm run temporal:ensure`: finds or builds the Temporal CLI and prints its path. */
console.log(await ensureTemporalCli({ log: (line) => console.error(line) }));
