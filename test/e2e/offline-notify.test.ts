// The support case when the customer's line is down, as the README tells it: the engineer starts
// `netdiag watch --ticket T` and asks the customer to run `netdiag-agent check --ticket T` (read the
// verdict aloud); when the line is back the agent uploads that run, and the engineer's watch announces
// it and prints its steps and verdict, then ends. Real binaries, real collector, loopback only.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { EnrollmentCreated, Ticket, TokenCreated } from "../../shared/api.js";
import { runBin, startBin, type Daemon } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

let col: TestCollector;
let dir: string;
let engineer: string;
let ticket: Ticket;
let agent: Daemon | undefined;
let watch: Daemon | undefined;
const cfgPath = () => join(dir, "agent.json");
const env = () => ({ NETDIAG_URL: col.url, NETDIAG_TOKEN: engineer });

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 1000 });
  dir = await mkdtemp(join(tmpdir(), "netdiag-offline-notify-"));
  engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
  ticket = await col.api("/api/tickets", Ticket, { token: engineer, body: { customer: { name: "Zhang Wei", contact: "+86 137 0000 0000" }, service: "Fiber", symptom: "no internet at all" } });
  const code = await col.api("/api/enrollments", EnrollmentCreated, { token: engineer, body: { ticketId: ticket.id } });
  const r = await runBin("agent", ["enroll", "--collector", col.url, "--code", code.code, "--name", "zhang-pc", "--config", cfgPath()]);
  expect(r.code, r.stderr).toBe(0);
  const cfg = JSON.parse(await readFile(cfgPath(), "utf8"));
  cfg.targets = { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: ["127.0.0.1:1"], resolvers: ["127.0.0.1:1"], names: ["shop.test"] };
  await writeFile(cfgPath(), JSON.stringify(cfg), { mode: 0o600 });
});

afterAll(async () => {
  await watch?.stop();
  await agent?.stop();
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

test("an offline run uploaded when the line is back is announced to the engineer watching the ticket", async () => {
  watch = startBin("cli", ["watch", "--ticket", ticket.id], env());
  await watch.waitFor(new RegExp(`waiting for a run on ticket ${ticket.id}`));

  // The line is down: no `netdiag-agent run` is connected. The customer checks locally.
  const check = await runBin("agent", ["check", "--config", cfgPath(), "--checks", "ping", "--ticket", ticket.id]);
  expect(check.code, check.stderr).toBeLessThanOrEqual(1);
  expect(check.stdout).toMatch(/VERDICT: /);
  const runId = /recorded as offline run (off_\S+)/.exec(check.stdout)![1]!;
  expect(watch.output()).not.toContain(runId);

  // The line is back: the agent connects and uploads; the watch announces it and shows it.
  agent = startBin("agent", ["run", "--config", cfgPath()]);
  await watch.waitFor(new RegExp(`offline run ${runId} uploaded by agent ag_\\S+ \\(ran on the customer's computer at `));
  await watch.waitFor(/VERDICT: /);
  const code = await new Promise<number | null>((r) => (watch!.proc.exitCode !== null ? r(watch!.proc.exitCode) : watch!.proc.once("exit", (c) => r(c))));
  expect(code).toBeLessThanOrEqual(1);
  // Shown whole when it arrived complete, or followed live when it was still uploading.
  expect(watch.output()).toMatch(/^\s*✔ ping +ok/m);
  expect(watch.output()).toMatch(new RegExp(`run ${runId}  completed|· run completed`));

  const show = await runBin("cli", ["ticket", "show", ticket.id], env());
  expect(show.stdout).toMatch(new RegExp(`run ${runId} .*\\[offline run\\]`));
});

test("watch --ticket on a ticket that does not exist says so (exit 3)", async () => {
  const r = await runBin("cli", ["watch", "--ticket", "tk_doesnotexist"], env());
  expect(r.code).toBe(3);
  expect(r.stderr).toContain("ticket tk_doesnotexist not found");
});
