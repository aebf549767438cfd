// Puts a ticket and N agents straight into a collector's store (the enrollment API is not what these
// benches measure), returning each agent's credentials as the link presents them.
import type { Store } from "../collector/store/types.js";
import { hashSecret, randomId, randomSecret } from "../shared/secrets.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CollectorConfig } from "../collector/config.js";
import { startCollector } from "../collector/server.js";
import { createLogger } from "../shared/log.js";

export interface SeededAgent {
  agentId: string;
  secret: string;
}

export async function seedTicket(store: Store): Promise<string> {
  const id = randomId("tk_");
  await store.createTicket(id, { customer: { name: "Bench", contact: "bench" }, service: "Fiber", symptom: "benchmark", category: "network", severity: "general" }, "system", Date.now());
  return id;
}

/**
 * Creates n agents, 200 at a time: concurrent creates share COMMITs (group commit), so this stays fast.
 * With `ticketId` they are enrolled for that ticket, so they may upload offline runs to it.
 */
export async function seedAgents(store: Store, n: number, ticketId?: string): Promise<SeededAgent[]> {
  const out: SeededAgent[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, () => ({ agentId: randomId("ag_"), secret: randomSecret("") }));
    await Promise.all(batch.map((a, j) => store.createAgent({ id: a.agentId, name: `bench-${i + j}`, secretHash: hashSecret(a.secret), createdAt: Date.now(), ...(ticketId ? { ticketId } : {}) })));
    out.push(...batch);
  }
  return out;
}

/** A real collector on loopback with `count` enrolled agents, for the connection benches' server side. */
export async function startSeededCollector(count: number, heartbeatMs?: number) {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-bench-"));
  const c = await startCollector(
    CollectorConfig.parse({ dataDir: dir, host: "127.0.0.1", port: 0, logLevel: "silent", maxAgents: count + 10, ...(heartbeatMs !== undefined ? { heartbeatMs } : {}) }),
    { log: createLogger("bench", "silent") },
  );
  const agents = await seedAgents(c.store, count);
  return {
    collector: c,
    agents,
    close: async () => {
      await c.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
