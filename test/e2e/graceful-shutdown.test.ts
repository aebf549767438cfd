// SIGTERM on the BUILT collector binary while a real-link agent streams a run: the collector stops
// accepting, commits and acks what is in flight, closes the agent with 1012 (service restart), writes
// its JSON log lines and exits 0; every event acknowledged before it stopped is in the SQLite file; the
// agent reconnects to the restarted collector on the same port and the run completes with every event
// stored exactly once. A second signal while draining exits at once with 1.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { afterAll, describe, expect, test } from "vitest";
import { Run } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import type { RunEvent } from "../../shared/protocol.js";
import { DB_FILE } from "../../collector/server.js";
import { startBin, type Daemon } from "../helpers/cli.js";
import { createTicket, enrollAgents, offlineRunEvents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { freeLoopbackPort } from "../../bench/loopback.js";

/** More than the per-agent burst (collector/limits.ts frameBurst 500): the stream is still going when SIGTERM lands. */
const STEPS = 700;


/** Every stored run event, straight from the file (not through the code under test). */
async function storedKeys(path: string): Promise<string[]> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (e) => (e ? reject(e) : resolve(d)));
  });
  try {
    const rows = await new Promise<{ run_id: string; seq: number }[]>((resolve, reject) => db.all("SELECT run_id, seq FROM run_events", (e, r) => (e ? reject(e) : resolve(r as never))));
    return rows.map((r) => `${r.run_id}:${r.seq}`);
  } finally {
    await new Promise((r) => db.close(r));
  }
}

const dirs: string[] = [];
const daemons: Daemon[] = [];
let agent: FakeAgent | undefined;

afterAll(async () => {
  await agent?.stop();
  for (const d of daemons) if (d.proc.exitCode === null) d.proc.kill("SIGKILL");
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function startCollector(dataDir: string, port: number): Promise<Daemon> {
  const d = startBin("collector", ["--data-dir", dataDir, "--port", String(port), "--host", "127.0.0.1", "--log-level", "info"]);
  daemons.push(d);
  await d.waitFor(/is running at/);
  return d;
}

const jsonLines = (out: string) => out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("graceful shutdown of the collector binary", () => {
  test("SIGTERM mid-run loses no acknowledged result; the agent reconnects to the restarted collector and completes", { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "netdiag-drain-"));
    dirs.push(dataDir);
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    let collector = await startCollector(dataDir, port);
    // The whole line: stdout may arrive in pieces, and the token line after "is running at".
    const token = /NETDIAG_TOKEN=(\S+)\n/.exec(await collector.waitFor(/NETDIAG_TOKEN=\S+\n/))![1]!;
    const ticketId = await createTicket(url, token);
    const [creds] = await enrollAgents(url, token, 1, ticketId);
    agent = startFakeAgent({ url, creds: creds!, backoff: { baseMs: 100, capMs: 1000 } });
    await agent.opened();

    const runId = `run_drain${creds!.agentId.slice(-8)}`;
    const events = offlineRunEvents(runId, ticketId, STEPS);
    const produced = new Set(events.map((e: RunEvent) => `${e.runId}:${e.seq}`));
    for (const ev of events) await agent.emit(ev);
    // Some results are in, many still in flight or waiting for the rate limit: stop now.
    await expect.poll(() => agent!.outbox.acks, { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(100);
    const exit = new Promise<number | null>((r) => collector.proc.once("exit", (code) => r(code)));
    collector.proc.kill("SIGTERM");
    expect(await exit).toBe(0);

    // Everything the agent saw acknowledged is in the file; the rest is still in its outbox.
    const pending = new Set(agent.outbox.pending().map((e) => `${e.runId}:${e.seq}`));
    const acked = [...produced].filter((k) => !pending.has(k));
    expect(pending.size, "SIGTERM landed after the stream had finished").toBeGreaterThan(0);
    const stored = new Set(await storedKeys(join(dataDir, DB_FILE)));
    expect(acked.filter((k) => !stored.has(k))).toEqual([]);
    // Told to come back later, not dropped.
    expect(agent.closes).toContain(1012);
    const lines = jsonLines(collector.output());
    expect(lines.find((l) => l.msg === "shutting down: draining")).toMatchObject({ level: "info", signal: "SIGTERM" });
    expect(lines.some((l) => l.msg === "stopped cleanly")).toBe(true);

    // The restarted collector gets the rest: every event stored exactly once, the run completed.
    const opensBefore = agent.opens.length;
    collector = await startCollector(dataDir, port);
    await expect.poll(() => agent!.opens.length, { timeout: 30_000 }).toBeGreaterThan(opensBefore);
    await agent.drained();
    const keys = await storedKeys(join(dataDir, DB_FILE));
    expect(keys.filter((k) => produced.has(k)).sort()).toEqual([...produced].sort());
    expect(new Set(keys).size).toBe(keys.length);
    expect((await httpJson(`${url}/api/runs/${runId}`, Run, { token })).state).toBe("completed");
    await agent.stop();
    agent = undefined;
    expect(await collector.stop("SIGTERM")).toBe(0);
  });

  test("a second signal while draining exits at once with 1", { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "netdiag-drain2-"));
    dirs.push(dataDir);
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    const collector = await startCollector(dataDir, port);
    // Another connection holds the write lock, so the store's write queue cannot drain: the drain
    // waits (for its busy timeout) and the second signal lands while it does.
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(join(dataDir, DB_FILE), (e) => (e ? reject(e) : resolve(d)));
    });
    const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
    try {
      await exec("BEGIN IMMEDIATE");
      // /readyz answering STORE_SLOW proves a write is queued behind the lock.
      const ready = await fetch(`${url}/readyz`);
      expect(await ready.json()).toMatchObject({ code: "STORE_SLOW" });
      const exit = new Promise<number | null>((r) => collector.proc.once("exit", (code) => r(code)));
      collector.proc.kill("SIGTERM");
      await collector.waitFor(/shutting down: draining/);
      collector.proc.kill("SIGTERM");
      expect(await exit).toBe(1);
      expect(collector.output()).toMatch(/second signal while draining: exiting now/);
    } finally {
      await exec("ROLLBACK").catch(() => undefined);
      await new Promise((r) => db.close(r));
    }
  });
});
