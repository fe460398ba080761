import { ensureTemporalBinaries } from '../cluster/temporal-cluster.ts';

/** `npm run cluster:ensure`: finds or builds the Temporal CLI, server, SQL tool and UI server, with progress, and lists them. */
const binaries = await ensureTemporalBinaries((line) => console.error(line));
console.log(`temporal CLI        ${binaries.cli}`);
console.log(`temporal-server     ${binaries.server.server}`);
console.log(`temporal-sql-tool   ${binaries.server.sqlTool}`);
console.log(`temporal-ui-server  ${binaries.ui?.uiServer ?? 'not available'}`);
