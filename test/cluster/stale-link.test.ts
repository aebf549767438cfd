// A link-lost from a node that no longer holds an agent's link must not touch the agent's runs
// (collector/store/sql-links.ts): the store, on both engines, applies it only while that link is the
// current one, and removes the link row in the same transaction. Also presence: links on live nodes.
import { describe, expect, test } from "vitest";
import type { CreateTicketBody } from "../../shared/api.js";
import type { LinkRef, Store } from "../../collector/store/types.js";
import { STORE_BACKENDS } from "../helpers/store-backends.js";

const T0 = 1_700_000_000_000;
const ticketBody: CreateTicketBody = { customer: { name: "Li Wei", contact: "+86 10 5555 0100" }, service: "FTTH 300M", symptom: "no internet", category: "network", severity: "important" };

async function seed(store: Store): Promise<void> {
  await store.createTicket("ticket-1", ticketBody, "token:t1:alice", T0);
  await store.createAgent({ id: "agent-a", name: "pc a", secretHash: "s", createdAt: T0, ticketId: "ticket-1" });
  for (const id of ["run-held", "run-sent"]) {
    await store.createRun({ id, ticketId: "ticket-1", agentId: "agent-a", checks: ["ping"], params: {}, requestedBy: "alice", pickupBy: T0 + 600_000, createdAt: T0 });
  }
  // run-held: the agent acknowledged and accepted it (running); run-sent: sent, not yet acknowledged.
  for (const id of ["run-held", "run-sent"]) await store.transitionRuns({ runId: id }, { kind: "dispatch" }, T0 + 1);
  await store.appendRunEvent("agent-a", { type: "run.received", runId: "run-held", seq: 0, at: T0 + 2 }, T0 + 2);
  await store.appendRunEvent("agent-a", { type: "run.accepted", runId: "run-held", seq: 1, at: T0 + 3 }, T0 + 3);
}

const state = async (store: Store, id: string) => (await store.getRun(id))!.state;

describe.each(STORE_BACKENDS)("$title: link-lost applies only to the current link", (backend) => {
  test.skipIf(backend.skip)("an older link's loss changes nothing; the current link's loss re-queues and marks delivering", async () => {
    const store = await backend.open(await backend.newLocation());
    try {
      await seed(store);
      const onA: LinkRef = { agentId: "agent-a", nodeId: "node_a", linkId: "lnk_old111" };
      const onB: LinkRef = { agentId: "agent-a", nodeId: "node_b", linkId: "lnk_new222" };
      await store.links.claim(onA, T0 + 4);
      // The agent reconnected through another node, which recorded its new link.
      await store.links.claim(onB, T0 + 5);
      expect(await store.links.current("agent-a")).toEqual({ nodeId: "node_b", linkId: "lnk_new222", since: T0 + 5 });

      // Node A notices its old socket late: nothing happens to the runs.
      expect(await store.transitionRuns({ agentId: "agent-a", releaseLink: onA }, { kind: "link_lost" }, T0 + 6)).toEqual([]);
      expect(await store.transitionRuns({ runId: "run-sent", whileLink: onA }, { kind: "link_lost" }, T0 + 6)).toEqual([]);
      expect([await state(store, "run-held"), await state(store, "run-sent")]).toEqual(["running", "sent"]);
      expect((await store.links.current("agent-a"))?.linkId).toBe("lnk_new222");

      // The current link's loss applies, once, and the link is gone.
      const ts = await store.transitionRuns({ agentId: "agent-a", releaseLink: onB }, { kind: "link_lost" }, T0 + 7);
      expect(ts.map((t) => [t.runId, t.decision.ok && t.decision.state])).toEqual(
        expect.arrayContaining([["run-held", "delivering"], ["run-sent", "requested"]]),
      );
      expect(await store.links.current("agent-a")).toBeUndefined();
      expect(await store.transitionRuns({ agentId: "agent-a", releaseLink: onB }, { kind: "link_lost" }, T0 + 8)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test.skipIf(backend.skip)("connected: a current link on a node that heartbeat recently; a silent node's links are not", async () => {
    const store = await backend.open(await backend.newLocation());
    try {
      await seed(store);
      await store.createAgent({ id: "agent-b", name: "pc b", secretHash: "s", createdAt: T0 });
      await store.links.heartbeat("node_a", T0, T0 + 10_000);
      await store.links.heartbeat("node_b", T0, T0 + 1_000);
      await store.links.claim({ agentId: "agent-a", nodeId: "node_a", linkId: "lnk_aaaaaa" }, T0);
      await store.links.claim({ agentId: "agent-b", nodeId: "node_b", linkId: "lnk_bbbbbb" }, T0);
      expect([...(await store.links.connectedAgents(T0 + 5_000))]).toEqual(["agent-a"]);
      expect((await store.links.nodes()).map((n) => [n.nodeId, n.heartbeatAt])).toEqual([["node_a", T0 + 10_000], ["node_b", T0 + 1_000]]);
      // A node's row goes only once it holds no link.
      expect(await store.links.forgetNode("node_b")).toBe(false);
      await store.transitionRuns({ agentId: "agent-b", releaseLink: { agentId: "agent-b", nodeId: "node_b", linkId: "lnk_bbbbbb" } }, { kind: "link_lost" }, T0 + 20_000);
      expect(await store.links.forgetNode("node_b")).toBe(true);
      expect((await store.links.linksOf("node_a")).map((l) => l.agentId)).toEqual(["agent-a"]);
    } finally {
      await store.close();
    }
  });
});
