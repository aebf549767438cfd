// A worked ticket on a real collector, for the operations tests (export, backup): a real-link agent
// (helpers/fake-agent.ts) enrolled for the ticket uploads an offline run with many steps, then answers
// two runs an engineer triggers with real step results: the line down (verdict wan/WAN_LINK_DOWN),
// the ticket escalated, the line repaired (NONE), so the ticket has a hand-over and a comparison.
import { z } from "zod";
import { Run, Ticket } from "../../shared/api.js";
import { Handover } from "../../shared/ticket.js";
import { LINE_DOWN, REPAIRED, type Steps } from "../collector/tickets/desk-fixtures.js";
import { answerRuns } from "./answer-runs.js";
import type { TestCollector } from "./collector.js";
import { enrollAgents, offlineRunEvents, startFakeAgent, type FakeAgent } from "./fake-agent.js";

export interface TicketCase {
  ticketId: string;
  agentId: string;
  offlineRunId: string;
  failingRunId: string;
  repairedRunId: string;
  agent: FakeAgent;
}

const CHECKS = ["host", "gateway", "dhcp", "dns", "path", "service", "snmp"];

/** One promise per run id, whichever side asks first (the request frame can beat the POST's response). */
function settled() {
  const all = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  return (runId: string) => {
    let d = all.get(runId);
    if (!d) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      d = { promise, resolve };
      all.set(runId, d);
    }
    return d;
  };
}


/** The ticket worked through; the agent stays connected (stop it with `agent.stop()`). */
export async function workTicket(col: TestCollector, o: { offlineSteps: number }): Promise<TicketCase> {
  const ticket = await col.api("/api/tickets", Ticket, {
    body: { customer: { name: "Wang Fang", contact: "+86 138 0013 8000", site: "Bldg 3, Room 402" }, service: "Fiber 300M", symptom: "internet down since 9:00", severity: "important" },
  });
  const [creds] = await enrollAgents(col.url, col.adminToken, 1, ticket.id);
  let site: Steps = LINE_DOWN();
  const done = settled();
  const agent: FakeAgent = startFakeAgent({ url: col.url, creds: creds!, onFrame: answerRuns(() => agent, () => site, (id) => done(id).resolve()) });
  await agent.opened();

  const offlineRunId = `run_off${Date.now().toString(36)}`;
  for (const ev of offlineRunEvents(offlineRunId, ticket.id, o.offlineSteps)) await agent.emit(ev);
  await agent.drained();

  const failing = await col.api("/api/runs", Run, { body: { ticketId: ticket.id, agentId: creds!.agentId, checks: CHECKS } });
  await done(failing.id).promise;
  await col.api(`/api/tickets/${ticket.id}/escalate`, z.object({ ticket: Ticket, handover: Handover }), { body: { to: "field_service", note: "line down, DSLAM port?" } });
  site = REPAIRED();
  const repaired = await col.api("/api/runs", Run, { body: { ticketId: ticket.id, agentId: creds!.agentId, checks: CHECKS } });
  await done(repaired.id).promise;
  return { ticketId: ticket.id, agentId: creds!.agentId, offlineRunId, failingRunId: failing.id, repairedRunId: repaired.id, agent };
}
