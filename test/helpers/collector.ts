// Starts a real collector (real SQLite file in a temp dir, or a PostgreSQL database with `database`;
// HTTP + WebSocket on port 0 on loopback) and gives tests a typed API client. `restart()` reopens the same data dir, as after a crash.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { z } from "zod";
import { CollectorConfig } from "../../collector/config.js";
import { startCollector, storeLocation, type RunningCollector } from "../../collector/server.js";
import { openStore } from "../../collector/store/sql-store.js";
import type { Store } from "../../collector/store/types.js";
import type { LimitOverrides } from "../../collector/limits.js";
import { httpJson, type HttpJsonOptions } from "../../shared/http-client.js";
import { memoryLogger } from "../../shared/log.js";

export interface TestCollector {
  url: string;
  dataDir: string;
  adminToken: string;
  running: RunningCollector;
  log: ReturnType<typeof memoryLogger>;
  api<S extends z.ZodType>(path: string, schema: S, o?: HttpJsonOptions): Promise<z.infer<S>>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestCollectorOptions {
  /** Puts a wrapper around the real SQLite store (fault injection: delays, held results). */
  wrapStore?: (store: Store) => Store;
  /** The collector's clock (default Date.now). */
  now?: () => number;
  /** Limits other than collector/limits.ts's defaults. */
  limits?: LimitOverrides;
  /** A postgres:// URL: the store is that database (test/helpers/store-backends.ts); default SQLite in the data dir. */
  database?: string;
}

export async function startTestCollector(overrides: Partial<CollectorConfig> = {}, o: TestCollectorOptions = {}): Promise<TestCollector> {
  const dataDir = await mkdtemp(join(tmpdir(), "netdiag-collector-"));
  const log = memoryLogger();
  const cfg = CollectorConfig.parse({ dataDir, host: "127.0.0.1", port: 0, logLevel: "silent", ...(o.database ? { database: o.database } : {}), ...overrides });
  let store: Store | undefined;
  const extra = { ...(o.now ? { now: o.now } : {}), ...(o.limits ? { limits: o.limits } : {}) };
  const start = async (c: CollectorConfig): Promise<RunningCollector> => {
    if (!o.wrapStore) return startCollector(c, { log, ...extra });
    store = o.wrapStore(await openStore(storeLocation(c), { log }));
    return startCollector(c, { log, store, ...extra });
  };
  const stop = async () => {
    await running.close();
    await store?.close();
  };
  let running = await start(cfg);
  const adminToken = running.bootstrapAdminToken!;
  const tc: TestCollector = {
    get url() {
      return running.url;
    },
    dataDir,
    adminToken,
    get running() {
      return running;
    },
    log,
    api: (path, schema, o = {}) => httpJson(`${running.url}${path}`, schema, { token: adminToken, ...o }),
    async restart() {
      const port = running.port;
      await stop();
      running = await start({ ...cfg, port });
    },
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return tc;
}
