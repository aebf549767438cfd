// A ticket watched live: the engineer waiting for the customer's offline check to upload (the line was
// down) learns the moment it arrives. One SSE stream per watcher; a "run" event each time a run of this
// ticket gets an update after the watch started. Nothing is polled: the run bus says what was stored.
import { streamSSE } from "hono/streaming";
import { TicketStreamEvent, type RunStreamEvent } from "../../shared/api.js";
import { Id } from "../../shared/protocol.js";
import { actorOf } from "../auth/principal.js";
import { notFound } from "../http-error.js";
import { failure, principalOf, READERS, type RouteSpec } from "./route-spec.js";

/** Idle proxies close silent connections; a comment line this often keeps a long wait open. */
const KEEPALIVE_MS = 25_000;

export const ticketEventRoutes: RouteSpec[] = [
  {
    method: "GET",
    path: "/api/tickets/:id/events",
    access: READERS,
    summary: "Server-Sent Events: a `run` event whenever a run of this ticket is updated, e.g. an offline run uploaded when the customer's line is back",
    response: {
      200: { description: "`watching` once the watch is set up, then a `run` event per update of a run of this ticket; a comment line every 25 s keeps it open", sse: TicketStreamEvent },
      404: failure("NOT_FOUND: no such ticket"),
    },
    async handler(c, d) {
      const id = Id.safeParse(c.req.param("id"));
      const ticket = id.success ? await d.store.getTicket(id.data) : undefined;
      if (!ticket) throw notFound("ticket");
      await d.store.appendAudit({ at: d.now(), actor: actorOf(principalOf(c)), action: "ticket.watch", ticketId: ticket.id, outcome: "ok" });
      return streamSSE(c, async (stream) => {
        const queue: [string, RunStreamEvent][] = [];
        let wake: (() => void) | undefined;
        const unsubscribe = d.bus.subscribeAll((runId, ev) => {
          queue.push([runId, ev]);
          wake?.();
        });
        const keepalive = setInterval(() => void stream.write(": keep-alive\n\n").catch(() => undefined), KEEPALIVE_MS);
        stream.onAbort(() => {
          unsubscribe();
          wake?.();
        });
        /** runId → whether it is this ticket's (looked up once per run). */
        const mine = new Map<string, boolean>();
        const write = (ev: TicketStreamEvent) => stream.writeSSE({ event: ev.type, data: JSON.stringify(ev) });
        try {
          await write({ type: "watching", ticketId: ticket.id });
          while (!stream.aborted) {
            if (queue.length === 0) await new Promise<void>((r) => (wake = r));
            wake = undefined;
            for (const [runId, ev] of queue.splice(0)) {
              if (mine.get(runId) === false || ev.type !== "state") continue;
              const run = await d.store.getRun(runId);
              mine.set(runId, run?.ticketId === ticket.id);
              if (run?.ticketId !== ticket.id) continue;
              await write({ type: "run", runId, agentId: run.agentId, offline: run.offline, state: ev.state, createdAt: run.createdAt });
            }
          }
        } finally {
          clearInterval(keepalive);
          unsubscribe();
        }
      });
    },
  },
];
