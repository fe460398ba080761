import { ensureJaeger } from '../trace-viewer/jaeger.ts';

/** `npm run tracing:ensure`: finds or builds Jaeger (with progress) and prints its path. */
console.log(await ensureJaeger({ log: (line) => console.error(line) }));
