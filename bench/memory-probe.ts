// Loaded into the soak's relay and consumers processes (node --import): their memory as the process itself sees it,
// one line on stderr every 10 s, so the soak can tell the JavaScript heap from what else the RSS holds (the Prisma
// query engine's WebAssembly memory, native buffers, the allocator's free pages).
const timer = setInterval(() => {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  process.stderr.write(`soak-memory ${JSON.stringify({ rss, heapUsed, heapTotal, external, arrayBuffers })}\n`);
}, 10_000);
timer.unref();
