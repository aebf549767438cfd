// A server's memory as the memory benches sample it (bench/memory-child.ts, bench/fleet/server-child.ts):
// RSS and heap after two full collections, with the connections it counted. Its own small module so a
// child loads nothing else for it.

export interface MemorySample {
  rss: number;
  heapUsed: number;
  /** Connections the server counted when sampled. */
  connections: number;
}

/** Run with --expose-gc. */
export function memorySample(connections: number): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  // Twice: the first pass can leave garbage a finalizer created.
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, connections };
}
