// Durability of acknowledged writes, on both engines: a child process appends events through the built
// store and prints each seq once appendRunEvent resolved; it is SIGKILLed mid-stream; on reopen every
// printed (acked) seq must be there, exactly once, and the store must pass its integrity check.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openPgStore, openSqliteStore, type SqlStore } from "../../../collector/store/sql-store.js";
import { PG_BACKEND, pgServerUrl } from "../../helpers/store-backends.js";
import { createTestDatabase } from "../../helpers/postgres.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./append-child.mjs", import.meta.url));
const SOURCES = ["collector/store/sql-store", "collector/store/sqlite-db", "collector/store/pg-db", "collector/store/sql-run-events", "collector/store/write-queue", "collector/store/migrations", "shared/api", "shared/protocol"];
const T0 = 1_700_000_000_000;
/** Acks to wait for before the kill: enough that the kill lands while many commits are in flight. */
const ACKS_BEFORE_KILL = 300;

async function mtimeMs(path: string): Promise<number | undefined> {
  return stat(path).then((s) => s.mtimeMs, () => undefined);
}

async function distIsFresh(): Promise<boolean> {
  for (const s of SOURCES) {
    const built = await mtimeMs(join(ROOT, "dist", `${s}.js`));
    const src = await mtimeMs(join(ROOT, `${s}.ts`));
    if (built === undefined || src === undefined || built < src) return false;
  }
  return true;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-durability-"));
  if (!(await distIsFresh())) {
    // tsc exits non-zero while other in-progress files have type errors but still emits; freshness is
    // what matters, so it is checked again instead of the exit code.
    await new Promise<void>((resolve) =>
      execFile(join(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], { cwd: ROOT }, () => resolve()),
    );
    expect(await distIsFresh(), "dist/ is stale after `tsc -p tsconfig.build.json`").toBe(true);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Case {
  title: string;
  skip: string | undefined;
  /** The store's location and the child's SYNCHRONOUS argument. */
  make(): Promise<{ where: string; synchronous: string; open(): Promise<SqlStore> }>;
}

const CASES: Case[] = [
  ...(["FULL", "NORMAL"] as const).map((synchronous) => ({
    title: `SQLite synchronous=${synchronous}`,
    skip: undefined,
    make: async () => {
      const where = join(dir, `kill-${synchronous}.db`);
      return { where, synchronous, open: () => openSqliteStore(where) };
    },
  })),
  {
    title: PG_BACKEND.title,
    skip: PG_BACKEND.skip,
    make: async () => {
      const where = await createTestDatabase(pgServerUrl());
      return { where, synchronous: "-", open: () => openPgStore(where) };
    },
  },
];

describe("durability: SIGKILL mid-stream", () => {
  test.each(CASES)("$title keeps every acked event, exactly once", async (c) => {
    if (c.skip) return;
    const { where, synchronous, open } = await c.make();
    const setup = await open();
    await setup.createTicket("ticket-1", { customer: { name: "c", contact: "c" }, service: "s", symptom: "s", category: "network", severity: "general" }, "system", T0);
    await setup.createAgent({ id: "agent-a", name: "pc", secretHash: "h", createdAt: T0 });
    await setup.createRun({ id: "run-kill", ticketId: "ticket-1", agentId: "agent-a", checks: ["ping"], params: {}, requestedBy: "system", pickupBy: T0 + 60_000, createdAt: T0 });
    await setup.appendRunEvent("agent-a", { type: "run.accepted", runId: "run-kill", seq: 0, at: T0 }, T0);
    await setup.close();

    const child = spawn(process.execPath, [CHILD, where, synchronous, "agent-a", "run-kill"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let acked = 0;
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      acked = out.split("\n").length - 1;
      if (acked >= ACKS_BEFORE_KILL && child.exitCode === null && !child.killed) child.kill("SIGKILL");
    });
    try {
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on("close", (c, s) => resolve([c, s])),
      );
      expect({ code, signal, err }).toEqual({ code: null, signal: "SIGKILL", err: "" });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }

    // Only complete lines are acks; a torn last line was never fully written.
    const ackedSeqs = out.split("\n").slice(0, -1).map(Number);
    expect(ackedSeqs.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

    const store = await open();
    try {
      expect(await store.integrityCheck()).toBe("ok");
      // Reads are paged: a loaded machine acks more than one page before the kill lands, so read them all.
      const stored = new Set<number>();
      const seen: number[] = [];
      let run = await store.getRun("run-kill");
      expect(run?.state).toBe("running");
      while (run) {
        for (const s of run.steps) (stored.add(s.seq), seen.push(s.seq));
        run = run.nextAfterSeq !== undefined ? await store.getRun("run-kill", { afterSeq: run.nextAfterSeq, maxSteps: 500, maxBytes: 8 << 20 }) : undefined;
      }
      expect(ackedSeqs.filter((seq) => !stored.has(seq))).toEqual([]);
      expect(seen.length).toBe(stored.size);
    } finally {
      await store.close();
    }
  });
});
