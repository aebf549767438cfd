// An agent's link moving between two collectors on one PostgreSQL (in-process collectors, real
// sockets, real database): the node that takes the link tells the other, which closes its older socket
// (4001 replaced); that old socket's link-lost then leaves the run the agent is running through the
// new node alone; the new socket goes on storing the run's events.
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { Run } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import { CloseCode } from "../../shared/protocol.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { createTicket, enrollAgents, markedStep } from "../helpers/fake-agent.js";
import { createTestDatabase, PG_SKIP } from "../helpers/postgres.js";
import { connectRawOk } from "../helpers/raw-agent.js";
import { titled } from "../helpers/system-deps.js";

let x: TestCollector | undefined;
let y: TestCollector | undefined;

beforeAll(async () => {
  if (PG_SKIP) return;
  const database = await createTestDatabase(inject("pgUrl"));
  x = await startTestCollector({}, { database });
  y = await startTestCollector({}, { database });
});

afterAll(async () => {
  await y?.close();
  await x?.close();
});

describe.skipIf(PG_SKIP)(titled("an agent's link moves from one collector to another", PG_SKIP), () => {
  test("the older socket is closed as replaced and its late link-lost does not touch the running run", async () => {
    const X = x!;
    const Y = y!;
    const ticketId = await createTicket(X.url, X.adminToken);
    const [creds] = await enrollAgents(X.url, X.adminToken, 1, ticketId);
    const { agentId, secret } = creds!;
    const onX = await connectRawOk(X.url, agentId, secret);
    await expect.poll(async () => (await X.running.store.links.current(agentId))?.nodeId, { timeout: 10_000 }).toBe(X.running.nodeId);

    const run = await X.api("/api/runs", Run, { body: { ticketId, agentId, checks: ["ping"] } });
    await onX.next("run.request");
    onX.sendJson({ type: "run.received", runId: run.id, seq: 0, at: Date.now() });
    onX.sendJson({ type: "run.accepted", runId: run.id, seq: 1, at: Date.now() });
    await expect.poll(async () => (await X.api(`/api/runs/${run.id}`, Run)).state, { timeout: 10_000 }).toBe("running");

    // The agent reconnects through the other collector (its old socket looks alive to X).
    const onY = await connectRawOk(Y.url, agentId, secret);
    expect((await onX.closed).code).toBe(CloseCode.replaced);
    await expect.poll(async () => (await Y.running.store.links.current(agentId))?.nodeId, { timeout: 10_000 }).toBe(Y.running.nodeId);
    // X recorded the loss of its socket (queued when the socket closed; this write commits after it).
    await expect.poll(() => X.running.hub.connectedCount(), { timeout: 10_000 }).toBe(0);
    await X.running.store.probeWrite();
    // Read through Y with X's admin token (one database, one set of tokens).
    const after = await httpJson(`${Y.url}/api/runs/${run.id}`, Run, { token: X.adminToken });
    expect([after.state, after.reason]).toEqual(["running", undefined]);

    // The run goes on through Y.
    onY.sendJson(markedStep(run.id, 2));
    await expect.poll(() => onY.frames.some((f) => f.type === "ack" && f.seq === 2), { timeout: 10_000 }).toBe(true);
    expect((await X.api(`/api/runs/${run.id}`, Run)).steps.map((s) => s.seq)).toEqual([2]);
    onY.ws.close();
  });
});
