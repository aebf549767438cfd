// Crash durability: the BUILT collector binary is killed with SIGKILL again and again while dozens of
// agents (the real link client) stream offline runs; it is restarted on the same port each time. At
// the end every event produced is in the store exactly once and the store passes its integrity check.
// Runs on both engines: the SQLite file under --data-dir, and a PostgreSQL database (--database).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, describe, expect, test } from "vitest";
import { DB_FILE } from "../../collector/server.js";
import { openStore } from "../../collector/store/sql-store.js";
import { PG_BACKEND, SQLITE_BACKEND, type StoreBackend } from "../helpers/store-backends.js";
import type { RunEvent } from "../../shared/protocol.js";
import { startBin, type Daemon } from "../helpers/cli.js";
import { createTicket, enrollAgents, markOf, offlineRunEvents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { freeLoopbackPort } from "../../bench/loopback.js";

const AGENTS = 30;
/** Runs each agent streams at least; it keeps starting new ones until the last kill happened. */
const MIN_RUNS_PER_AGENT = 4;
const STEPS_PER_RUN = 30;
const KILLS = 5;
/** Events acknowledged between two kills: makes sure every kill lands mid-stream. */
const ACKS_BETWEEN_KILLS = 100;


/** Reads every stored run event straight from the database (a connection of its own, not the code under test). */
function storedEvents(b: StoreBackend, where: string): Promise<{ run_id: string; seq: number; body: string }[]> {
  return b.raw(where, "SELECT run_id, seq, body FROM run_events");
}

let dataDir: string;
let collector: Daemon | undefined;
const agents: FakeAgent[] = [];

const cleanup = async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  if (collector && collector.proc.exitCode === null) collector.proc.kill("SIGKILL");
  collector = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
};
afterAll(cleanup);

describe.each([SQLITE_BACKEND, PG_BACKEND])("collector on $title killed with SIGKILL mid-stream", (backend) => {
  test("every result is stored exactly once; nothing lost, no duplicates, integrity ok", { timeout: 180_000 }, async (ctx) => {
    if (backend.skip) return ctx.skip();
    ctx.onTestFinished(cleanup);
    dataDir = await mkdtemp(join(tmpdir(), "netdiag-kill-"));
    const database = backend.name === "postgres" ? await backend.newLocation() : undefined;
    const where = database ?? join(dataDir, DB_FILE);
    const port = await freeLoopbackPort();
    const args = ["--data-dir", dataDir, ...(database ? ["--database", database] : []), "--port", String(port), "--host", "127.0.0.1", "--log-level", "error"];
    const start = async () => {
      const d = startBin("collector", args);
      await d.waitFor(/is running at/);
      return d;
    };
    collector = await start();
    const token = /NETDIAG_TOKEN=(\S+)\n/.exec(await collector.waitFor(/NETDIAG_TOKEN=\S+\n/))![1]!;
    const url = `http://127.0.0.1:${port}`;
    const ticketId = await createTicket(url, token);
    const creds = await enrollAgents(url, token, AGENTS, ticketId);

    const produced = new Map<string, RunEvent>();
    const totalAcks = () => agents.reduce((n, a) => n + a.outbox.acks, 0);
    for (const c of creds) agents.push(startFakeAgent({ url, creds: c, backoff: { baseMs: 100, capMs: 1000 } }));
    await Promise.all(agents.map((a) => a.opened()));

    // Each agent streams its runs at a steady pace, whether or not the collector is up: events go
    // to the outbox first and are replayed after every reconnect, exactly like the real executor.
    // Production goes on until the last kill, however slow or fast the machine is, so no kill can
    // land after the streams ended.
    let kills = 0;
    let runsStarted = 0;
    const producing = Promise.all(
      agents.map(async (a, ai) => {
        for (let r = 0; r < MIN_RUNS_PER_AGENT || kills < KILLS; r++) {
          runsStarted++;
          for (const ev of offlineRunEvents(`kill_${ai}_${r}_${a.agentId.slice(-6)}`, ticketId, STEPS_PER_RUN)) {
            produced.set(`${ev.runId}:${ev.seq}`, ev);
            await a.emit(ev);
            await delay(10 + Math.random() * 40); // pacing of the fake checks, not synchronisation
          }
        }
      }),
    );
    let finished = false;
    void producing.then(() => (finished = true));

    let killedWithUnacked = 0;
    while (kills < KILLS) {
      const target = totalAcks() + ACKS_BETWEEN_KILLS;
      // Every agent is back (so each kill cuts the whole fleet) and results flowed since the last kill.
      await expect.poll(() => agents.every((a) => a.link.isOpen) && (totalAcks() >= target || finished), { timeout: 60_000, interval: 20 }).toBe(true);
      // Kill at a moment when results are in flight (sent or queued, not yet acked), so the kill
      // really cuts streams in progress instead of landing in a quiet gap.
      await expect.poll(() => finished || agents.some((a) => a.outbox.pending().length > 0), { timeout: 10_000, interval: 1 }).toBe(true);
      if (agents.some((a) => a.outbox.pending().length > 0)) killedWithUnacked++;
      collector.proc.kill("SIGKILL");
      await new Promise((r) => collector!.proc.once("exit", r));
      kills++;
      collector = await start();
    }
    await producing;
    // Every agent came back after every kill (including the last), then had everything acked.
    await expect.poll(() => agents.every((a) => a.opens.length >= 1 + KILLS), { timeout: 30_000, interval: 20 }).toBe(true);
    await Promise.all(agents.map((a) => a.drained()));
    const reconnects = agents.reduce((n, a) => n + a.opens.length - 1, 0);
    await Promise.all(agents.map((a) => a.stop()));
    expect(await collector.stop("SIGTERM")).toBe(0);

    const rows = await storedEvents(backend, where);
    const stored = new Map<string, number>();
    for (const r of rows) {
      // Count by the content's own mark too, so a re-stored copy under another key would show.
      const ev = JSON.parse(r.body) as RunEvent;
      const key = ev.type === "step" ? String(markOf(ev.result)) : `${r.run_id}:${r.seq}`;
      stored.set(key, (stored.get(key) ?? 0) + 1);
    }
    const duplicates = [...stored.values()].reduce((n, c) => n + (c - 1), 0);
    const lost = [...produced.keys()].filter((k) => !stored.has(k)).length;
    const unexpected = [...stored.keys()].filter((k) => !produced.has(k)).length;
    const store = await openStore(database ? { database } : { sqlitePath: where });
    const integrity = await store.integrityCheck();
    const runs = await store.listRunsForTicket(ticketId);
    await store.close();
    console.log(
      `[faults/kill] agents=${AGENTS} produced=${produced.size} stored=${rows.length} duplicates=${duplicates} lost=${lost} unexpected=${unexpected} kills=${kills} killsWithUnacked=${killedWithUnacked} reconnects=${reconnects} integrity=${integrity}`,
    );
    expect(kills).toBe(KILLS);
    expect(killedWithUnacked).toBe(KILLS); // the kills really hit streams in progress
    expect(reconnects).toBeGreaterThanOrEqual(AGENTS * KILLS);
    expect({ duplicates, lost, unexpected }).toEqual({ duplicates: 0, lost: 0, unexpected: 0 });
    expect(rows.length).toBe(produced.size);
    expect(integrity).toBe("ok");
    expect(runs).toHaveLength(runsStarted);
    for (const run of runs) {
      expect(run.state).toBe("completed");
      expect(run.steps.map((s) => s.seq)).toEqual(Array.from({ length: STEPS_PER_RUN }, (_, i) => i + 1));
    }
  });
});
