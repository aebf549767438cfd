// Durability of acknowledged writes: a child process appends events through the built store and prints
// each seq once appendRunEvent resolved; it is SIGKILLed mid-stream; on reopen every printed (acked) seq
// must be there and the file must pass integrity_check.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openSqliteStore } from "../../../collector/store/sql-store.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./append-child.mjs", import.meta.url));
const SOURCES = ["collector/store/sql-store", "collector/store/sqlite-db", "collector/store/write-queue", "collector/store/migrations", "shared/api", "shared/protocol"];
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

describe("durability: SIGKILL mid-stream", () => {
  test.each(["FULL", "NORMAL"] as const)("synchronous=%s keeps every acked event", async (synchronous) => {
    const path = join(dir, `kill-${synchronous}.db`);
    const setup = await openSqliteStore(path);
    await setup.createTicket("ticket-1", { customer: { name: "c", contact: "c" }, service: "s", symptom: "s", category: "network", severity: "general" }, "system", T0);
    await setup.createAgent({ id: "agent-a", name: "pc", secretHash: "h", createdAt: T0 });
    await setup.createRun({ id: "run-kill", ticketId: "ticket-1", agentId: "agent-a", checks: ["ping"], params: {}, requestedBy: "system", pickupBy: T0 + 60_000, createdAt: T0 });
    await setup.appendRunEvent("agent-a", { type: "run.accepted", runId: "run-kill", seq: 0, at: T0 }, T0);
    await setup.close();

    const child = spawn(process.execPath, [CHILD, path, synchronous, "agent-a", "run-kill"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
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

    const store = await openSqliteStore(path);
    try {
      expect(await store.integrityCheck()).toBe("ok");
      // Reads are paged: a loaded machine acks more than one page before the kill lands, so read them all.
      const stored = new Set<number>();
      let run = await store.getRun("run-kill");
      expect(run?.state).toBe("running");
      while (run) {
        for (const s of run.steps) stored.add(s.seq);
        run = run.nextAfterSeq !== undefined ? await store.getRun("run-kill", { afterSeq: run.nextAfterSeq, maxSteps: 500, maxBytes: 8 << 20 }) : undefined;
      }
      expect(ackedSeqs.filter((seq) => !stored.has(seq))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
