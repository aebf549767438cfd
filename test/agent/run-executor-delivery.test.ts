// The executor's part in run delivery: the durable acknowledgement comes first, a run id is started
// at most once (in this process, and after a restart through what the outbox remembers), the engineer
// sees the customer being asked, and a cancel while the customer is asked keeps the run from starting.
import { expect, test } from "vitest";
import { memoryLogger } from "../../shared/log.js";
import type { RunEvent, RunRequestFrame } from "../../shared/protocol.js";
import { AgentConfig } from "../../agent/config.js";
import { MemoryOutbox } from "../../agent/link/outbox.js";
import { RunExecutor, type Authorizer } from "../../agent/run-executor.js";
import type { Spawner } from "../../agent/system/spawn.js";

const config = AgentConfig.parse({ targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: ["127.0.0.1:9"], resolvers: ["127.0.0.1:9"], names: ["a.test"] } });
const req = (runId: string, over: Partial<RunRequestFrame> = {}): RunRequestFrame => ({ type: "run.request", runId, ticketId: "tkt_aaaaaa", checks: ["ping"], params: {}, requestedBy: "alice", notAfter: Date.now() + 60_000, ...over });

function executor(authorize: Authorizer, outbox = new MemoryOutbox()) {
  const events: RunEvent[] = [];
  let spawns = 0;
  const spawn: Spawner = async () => (spawns++, { code: 1, stdout: "", stderr: "", aborted: false });
  const log = memoryLogger();
  const exec = new RunExecutor({
    deps: { config, log, spawn },
    log,
    authorize,
    known: (id) => outbox.knows(id),
    emit: async (ev) => {
      await outbox.append(ev);
      events.push(ev);
    },
  });
  return { exec, events, outbox, log, spawns: () => spawns };
}
const allow: Authorizer = async () => ({ ok: true });
const types = (evs: RunEvent[]) => evs.map((e) => `${e.seq}:${e.type}`);

test("run.received is the first event of every request, refused ones included", async () => {
  const x = executor(allow);
  await x.exec.handle(req("run_aaaaaa"));
  await x.exec.handle(req("run_bbbbbb", { checks: ["format-disk"] }));
  expect(types(x.events.filter((e) => e.runId === "run_aaaaaa"))).toEqual(["0:run.received", "1:run.accepted", "2:step", "3:verdict", "4:run.finished"]);
  expect(types(x.events.filter((e) => e.runId === "run_bbbbbb"))).toEqual(["0:run.received", "1:run.refused"]);
});

test("a re-sent request is not started again, in the same process or after a restart (the outbox remembers)", async () => {
  const x = executor(allow);
  await Promise.all([x.exec.handle(req("run_cccccc")), x.exec.handle(req("run_cccccc"))]);
  await x.exec.handle(req("run_cccccc"));
  expect(x.spawns()).toBe(1);
  expect(x.events.filter((e) => e.type === "run.accepted")).toHaveLength(1);
  // A new executor (the agent restarted) over the same outbox, with every event acked meanwhile.
  for (const e of x.outbox.pending()) await x.outbox.ack(e.runId, e.seq);
  const y = executor(allow, x.outbox);
  await y.exec.handle(req("run_cccccc"));
  expect(y.events).toEqual([]);
  expect(y.log.lines.map((l) => l.msg)).toContain("run request already handled; ignored");
});

test("asking the customer is reported (with the deadline) before the answer", async () => {
  let answer!: (ok: boolean) => void;
  const asked: Authorizer = async (_r, hooks) => {
    await hooks?.asking?.(1_900_000_000_000);
    return (await new Promise<boolean>((r) => (answer = r))) ? { ok: true } : { ok: false, code: "CONSENT_REFUSED", reason: "no" };
  };
  const x = executor(asked);
  const done = x.exec.handle(req("run_dddddd"));
  await expect.poll(() => x.events.length).toBe(2);
  expect(x.events[1]).toMatchObject({ type: "run.consent", seq: 1, until: 1_900_000_000_000 });
  answer(true);
  await done;
  expect(types(x.events).slice(0, 3)).toEqual(["0:run.received", "1:run.consent", "2:run.accepted"]);
});

test("a cancel while the customer is asked: the run never starts and ends cancelled with the reason", async () => {
  let answer!: () => void;
  const slow: Authorizer = async (_r, hooks) => {
    await hooks?.asking?.(1_900_000_000_000);
    await new Promise<void>((r) => (answer = r));
    return { ok: true };
  };
  const x = executor(slow);
  const done = x.exec.handle(req("run_eeeeee"));
  await expect.poll(() => x.events.length).toBe(2);
  expect(x.exec.cancel("run_eeeeee", "cancelled by the engineer")).toBe(true);
  answer();
  await done;
  expect(types(x.events)).toEqual(["0:run.received", "1:run.consent", "2:run.finished"]);
  expect(x.events[2]).toMatchObject({ outcome: "cancelled", steps: 0, reason: "cancelled by the engineer" });
  expect(x.spawns()).toBe(0);
  expect(x.exec.activeRuns).toBe(0);
});
