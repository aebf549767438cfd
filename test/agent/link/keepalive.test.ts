// TCP keepalive under the heartbeat, on both ends of a real agent link: the kernel itself probes an
// idle connection (and keeps NAT state warm) even if a process is stuck. Read back from the kernel
// with `ss -o` (iproute2), for the agent's socket and the collector's.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, test } from "vitest";
import { memoryLogger } from "../../../shared/log.js";
import { CollectorLink } from "../../../agent/link/collector-link.js";
import { MemoryOutbox } from "../../../agent/link/outbox.js";
import { startTestCollector, type TestCollector } from "../../helpers/collector.js";
import { enrollAgents } from "../../helpers/fake-agent.js";

let col: TestCollector;
let link: CollectorLink | undefined;

// A long interval: no ping during the test, so each socket is idle and its armed timer is keepalive.
beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
});
afterAll(async () => {
  await link?.stop();
  await col?.close();
});

/** `timer:(keepalive,...)` of the established sockets matching an ss filter, e.g. "sport = :1234". */
const keepaliveTimers = (filter: string) =>
  execFileSync("ss", ["-tnoH", "state", "established", `( ${filter} )`], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes("timer:(keepalive"));

test("the agent's socket and the collector's both have keepalive on, at about 2 heartbeats of idle time", async () => {
  const [c] = await enrollAgents(col.url, col.adminToken, 1);
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  link = new CollectorLink({ collectorUrl: col.url, agentId: c!.agentId, secret: c!.secret, outbox: new MemoryOutbox(), log: memoryLogger(), onFrame: () => {}, onState: (s) => s === "open" && open() });
  link.start();
  await opened;
  await expect.poll(() => col.running.hub.isConnected(c!.agentId)).toBe(true);
  const port = col.running.port;
  // The welcome re-tunes the agent's idle time to 2 x 60 s: poll until the kernel shows it.
  await expect.poll(() => keepaliveTimers(`dport = :${port}`).join("\n")).toMatch(/timer:\(keepalive,1min\d+sec,0\)|timer:\(keepalive,2min,0\)/);
  expect(keepaliveTimers(`sport = :${port}`).join("\n")).toMatch(/timer:\(keepalive,(1min\d+sec|2min),0\)/);
});
