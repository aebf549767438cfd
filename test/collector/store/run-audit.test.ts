// A run and its run.request audit record commit together (Store.createRun with an audit), on both
// engines: both are there after it, and neither when the run cannot be stored.
import { describe, expect, test } from "vitest";
import type { AuditEvent } from "../../../collector/store/types.js";
import { STORE_BACKENDS } from "../../helpers/store-backends.js";

const T0 = 1_700_000_000_000;

describe.each(STORE_BACKENDS)("a run and its audit record on $title", (b) => {
  test.skipIf(b.skip)("commit together, or not at all", async () => {
    const store = await b.open(await b.newLocation());
    try {
      await store.createTicket("tk_audit01", { customer: { name: "C", contact: "c" }, service: "Fiber", symptom: "s", category: "network", severity: "general" }, "test", T0);
      await store.createAgent({ id: "ag_audit01", name: "a", secretHash: "h", createdAt: T0 });
      const run = { id: "run_audit1", ticketId: "tk_audit01", agentId: "ag_audit01", checks: ["ping"], params: {}, requestedBy: "alice", pickupBy: T0 + 60_000, createdAt: T0 };
      const audit = (runId: string): AuditEvent => ({ at: T0, actor: "token:t1:alice", action: "run.request", ticketId: "tk_audit01", agentId: "ag_audit01", runId, outcome: "ok", detail: { checks: ["ping"] } });
      await store.createRun(run, audit(run.id));
      expect((await store.getRun(run.id))?.state).toBe("requested");
      expect((await store.listAudit({ action: "run.request" })).map((a) => a.runId)).toEqual([run.id]);
      // The same id again: the run is refused by its key, and its audit record goes with it.
      await expect(store.createRun({ ...run }, audit("run_audit1-again"))).rejects.toThrow();
      // An agent that does not exist: refused by the foreign key, no record either.
      await expect(store.createRun({ ...run, id: "run_audit2", agentId: "ag_nothere" }, audit("run_audit2"))).rejects.toThrow();
      expect((await store.listAudit({ action: "run.request" })).map((a) => a.runId)).toEqual([run.id]);
    } finally {
      await store.close();
    }
  });
});
