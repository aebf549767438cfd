// The collector serves the one-file agent and its checksum, every enrollment answer carries the hash,
// and the ONE line the engineer reads out (from the real `netdiag enroll-code`) really downloads,
// verifies and enrolls with curl, sha256sum and node in an empty folder; a wrong hash stops it before
// the agent runs. All on loopback.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EnrollmentCreated, Ticket, TokenCreated } from "../../shared/api.js";
import { AgentBundleSource, defaultAgentBundlePath } from "../../collector/agent-bundle.js";
import type { AppDeps } from "../../collector/app.js";
import { HttpError } from "../../collector/http-error.js";
import { downloadRoutesFor } from "../../collector/routes/download.js";
import type { Env } from "../../collector/routes/route-spec.js";
import { runBin } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

const BUNDLE = defaultAgentBundlePath();
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const hasCurl = ["/usr/bin/curl", "/bin/curl"].some((p) => existsSync(p));

function sh(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile("sh", ["-c", script], { cwd, env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe("GET /download/netdiag-agent.js and .sha256", () => {
  let col: TestCollector;
  let dir: string;
  let engineer: string;

  beforeAll(async () => {
    col = await startTestCollector();
    dir = await mkdtemp(join(tmpdir(), "nd-download-"));
    engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
  });
  afterAll(async () => {
    await col?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("serves the built bundle to anyone (no token), as a JavaScript attachment", async () => {
    const res = await fetch(`${col.url}/download/netdiag-agent.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/javascript/);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="netdiag-agent.js"');
    const body = Buffer.from(await res.arrayBuffer());
    const onDisk = await readFile(BUNDLE);
    expect(body.equals(onDisk)).toBe(true);
    expect(res.headers.get("etag")).toBe(`"${sha256(onDisk)}"`);
  });

  test("the checksum is sha256sum's own line, and sha256sum -c accepts the downloaded file", async () => {
    const res = await fetch(`${col.url}/download/netdiag-agent.js.sha256`);
    expect(res.status).toBe(200);
    const line = await res.text();
    expect(line).toBe(`${sha256(await readFile(BUNDLE))}  netdiag-agent.js\n`);
    const d = await mkdtemp(join(dir, "verify-"));
    await writeFile(join(d, "netdiag-agent.js"), Buffer.from(await (await fetch(`${col.url}/download/netdiag-agent.js`)).arrayBuffer()));
    await writeFile(join(d, "netdiag-agent.js.sha256"), line);
    const r = await sh("sha256sum -c netdiag-agent.js.sha256", d, { PATH: process.env.PATH ?? "/usr/bin:/bin" });
    expect(r.out).toContain("netdiag-agent.js: OK");
    expect(r.code).toBe(0);
  });

  test("an enrollment code comes with the hash of the agent served", async () => {
    const made = await col.api("/api/enrollments", EnrollmentCreated, { token: engineer, body: {} });
    expect(made.agentSha256).toBe(sha256(await readFile(BUNDLE)));
  });

  describe.skipIf(!hasCurl)("the customer's one line (needs curl: Debian package curl)", () => {
    let line: string;
    let customer: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      const ticket = await col.api("/api/tickets", Ticket, { token: engineer, body: { customer: { name: "Wang", contact: "+86 1" }, service: "Fiber", symptom: "down" } });
      const r = await runBin("cli", ["enroll-code", "--ticket", ticket.id], { NETDIAG_URL: col.url, NETDIAG_TOKEN: engineer });
      expect(r.code, r.stderr).toBe(0);
      line = r.stdout.split("\n").map((l) => l.trim()).find((l) => l.startsWith("curl "))!;
      expect(line, r.stdout).toBeDefined();
      customer = await mkdtemp(join(dir, "customer-"));
      // The customer's machine: an empty folder, node on the PATH, the agent's config in their home.
      env = { PATH: [dirname(process.execPath), process.env.PATH ?? "/usr/bin:/bin"].join(delimiter), HOME: customer, LANG: "C" };
    });

    test("downloads, verifies and enrolls in an empty folder", async () => {
      const r = await sh(line, customer, env);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain("netdiag-agent.js: OK");
      expect(r.out).toMatch(/enrolled as agent ag_\S+ for ticket tk_/);
      const cfg = JSON.parse(await readFile(join(customer, ".config", "netdiag", "agent.json"), "utf8")) as { identity: { agentId: string } };
      expect(cfg.identity.agentId).toMatch(/^ag_/);
    });

    test("a file that does not match the hash is refused before it runs", async () => {
      const d = await mkdtemp(join(dir, "tampered-"));
      const wrong = line.replace(/echo "([0-9a-f]{64})/, (_m, h: string) => `echo "${h.slice(0, -1)}${h.endsWith("0") ? "1" : "0"}`);
      expect(wrong).not.toBe(line);
      const r = await sh(wrong, d, { ...env, HOME: d });
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/FAILED/);
      expect(r.out).not.toMatch(/enrolled as agent/);
      expect(existsSync(join(d, ".config", "netdiag", "agent.json"))).toBe(false);
    });
  });
});

describe("the bundle source", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nd-bundle-src-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  /** The download routes over `source` in a bare hono app with the collector's error handling. */
  function appOver(source: AgentBundleSource): { app: Hono<Env>; logged: string[] } {
    const logged: string[] = [];
    const log = { info() {}, error() {}, warn: (msg: string, fields?: Record<string, unknown>) => void logged.push(`${msg} ${JSON.stringify(fields)}`) };
    const app = new Hono<Env>();
    app.onError((e, c) => (e instanceof HttpError ? c.json({ error: { code: e.code, message: e.message } }, e.status) : c.json({}, 500)));
    for (const r of downloadRoutesFor(source)) app.on(r.method, r.path, (c) => r.handler(c, { log } as unknown as AppDeps));
    return { app, logged };
  }

  test("without a bundle both routes answer 404 saying how to build it, and the operator's log says where it looked", async () => {
    const missing = join(dir, "nowhere", "netdiag-agent.js");
    const { app, logged } = appOver(new AgentBundleSource(missing));
    for (const path of ["/download/netdiag-agent.js", "/download/netdiag-agent.js.sha256"]) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("AGENT_BUNDLE_MISSING");
      expect(body.error.message).toContain("npm run build:agent");
      // The server's own paths are not told to the public.
      expect(body.error.message).not.toContain(dir);
    }
    expect(logged.join("\n")).toContain(missing);
  });

  test("a rebuilt file is served with its new hash (bytes and hash from the same build)", async () => {
    const file = join(dir, "netdiag-agent.js");
    await writeFile(file, "console.log('build 1');\n");
    const { app } = appOver(new AgentBundleSource(file));
    expect(await (await app.request("/download/netdiag-agent.js.sha256")).text()).toBe(`${sha256(Buffer.from("console.log('build 1');\n"))}  netdiag-agent.js\n`);
    await writeFile(file, "console.log('build 2, longer');\n");
    const res = await app.request("/download/netdiag-agent.js");
    expect(await res.text()).toBe("console.log('build 2, longer');\n");
    expect(res.headers.get("etag")).toBe(`"${sha256(Buffer.from("console.log('build 2, longer');\n"))}"`);
  });
});
