// Puts a ticket and N agents straight into a collector's store (the enrollment API is not what these
// benches measure), returning each agent's credentials as the link presents them.
import type { Store } from "../collector/store/types.js";
import { hashSecret, randomId, randomSecret } from "../shared/secrets.js";

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
