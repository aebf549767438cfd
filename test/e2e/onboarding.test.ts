// The first minutes of a support case as a new user lives them, with the real binaries: what the
// collector's start banner and `netdiag enroll-code` tell the engineer to read to the customer (the
// public URL, --ca, authorize, run), a code typed the way people type it, and what `enroll` says next.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EnrollmentCreated, Ticket, TokenCreated } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import { runBin, startBin } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

const PUBLIC = "https://support.example-isp.test";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-onboarding-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("the start banner gives the customer's commands (download, verify and enroll in one line) with the public URL, --ca and authorize, and says where it listens", async () => {
  const col = startBin("collector", ["--port", "0", "--data-dir", join(dir, "banner-data"), "--public-url", PUBLIC, "--log-level", "silent"]);
  try {
    const banner = await col.waitFor(/Next steps[\s\S]*--follow\n/);
    expect(col.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    // The web console is where most engineers start: the banner names its sign-in page.
    expect(col.output()).toContain(`Web console: open ${PUBLIC}/login`);
    // The collector serves the one-file agent (built into dist/bundle by the test setup): one line
    // fetches it from the public URL, checks its hash and enrolls.
    expect(banner).toMatch(new RegExp(`curl -fsSLO \\[--cacert collector-ca\\.pem\\] ${PUBLIC}/download/netdiag-agent\\.js && echo "[0-9a-f]{64}  netdiag-agent\\.js" \\| sha256sum -c && node netdiag-agent\\.js enroll --collector ${PUBLIC} --code <code>`));
    expect(banner).toMatch(/--ca /);
    expect(banner).toContain("node netdiag-agent.js authorize --ticket <ticket-id>");
    expect(banner).toContain("node netdiag-agent.js run");
    expect(banner).not.toMatch(/--collector http:\/\/127\.0\.0\.1/);
  } finally {
    await col.stop();
  }
});

describe("enroll-code with --public-url set", () => {
  let col: TestCollector;
  let local: string;
  let engineer: string;
  let ticket: Ticket;

  beforeAll(async () => {
    col = await startTestCollector({ publicUrl: PUBLIC });
    // The engineer works on the collector's own machine: NETDIAG_URL is the local address.
    local = `http://127.0.0.1:${col.running.port}`;
    engineer = (await httpJson(`${local}/api/tokens`, TokenCreated, { token: col.adminToken, body: { name: "alice", role: "engineer" } })).token;
    ticket = await httpJson(`${local}/api/tickets`, Ticket, { token: engineer, body: { customer: { name: "Wang", contact: "+86 1" }, service: "Fiber", symptom: "down" } });
  });

  afterAll(async () => col?.close());

  test("prints what the customer types: the public URL (not the engineer's), authorize for this ticket, and run", async () => {
    const r = await runBin("cli", ["enroll-code", "--ticket", ticket.id], { NETDIAG_URL: local, NETDIAG_TOKEN: engineer });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${PUBLIC}/download/netdiag-agent\\.js && echo "[0-9a-f]{64}  netdiag-agent\\.js" \\| sha256sum -c && node netdiag-agent\\.js enroll --collector ${PUBLIC} --code [A-Z2-9]{5}-[A-Z2-9]{5}`));
    expect(r.stdout).not.toContain(local);
    expect(r.stdout).toContain(`node netdiag-agent.js authorize --ticket ${ticket.id} --all --for 2h`);
    expect(r.stdout).toContain("node netdiag-agent.js run");
    // An https collector may need its CA on the customer's side: said, not assumed.
    expect(r.stdout).toMatch(/--ca /);
  });

  test("--json carries the URL the customer must use", async () => {
    const r = await runBin("cli", ["enroll-code", "--json"], { NETDIAG_URL: local, NETDIAG_TOKEN: engineer });
    expect(EnrollmentCreated.parse(JSON.parse(r.stdout)).collectorUrl).toBe(PUBLIC);
  });
});

describe("the customer enrolls", () => {
  let col: TestCollector;
  let engineer: string;

  beforeAll(async () => {
    col = await startTestCollector();
    engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
  });

  afterAll(async () => col?.close());

  test.each([
    ["without the dash", (c: string) => c.replace("-", "")],
    ["with a space, in lower case", (c: string) => c.replace("-", " ").toLowerCase()],
  ])("a code typed %s is accepted", async (_how, typed) => {
    const code = (await col.api("/api/enrollments", EnrollmentCreated, { token: engineer, body: {} })).code;
    const cfg = join(dir, `typed-${Math.random().toString(36).slice(2)}.json`);
    const r = await runBin("agent", ["enroll", "--collector", col.url, "--code", typed(code), "--name", "pc", "--config", cfg]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(await readFile(cfg, "utf8")).identity.agentId).toMatch(/^ag_/);
  });

  test("enroll's next steps use the config file it wrote to, and name the ticket to authorize", async () => {
    const ticket = await col.api("/api/tickets", Ticket, { token: engineer, body: { customer: { name: "Wang", contact: "+86 1" }, service: "Fiber", symptom: "down" } });
    const code = (await col.api("/api/enrollments", EnrollmentCreated, { token: engineer, body: { ticketId: ticket.id } })).code;
    const cfg = join(dir, "custom place", "agent.json");
    const r = await runBin("agent", ["enroll", "--collector", col.url, "--code", code, "--name", "pc", "--config", cfg]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`netdiag-agent authorize --ticket ${ticket.id} --all --for 2h --config '${cfg}'`);
    expect(r.stdout).toContain(`netdiag-agent run --config '${cfg}'`);
  });
});
