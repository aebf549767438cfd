// The local channel: only on 127.0.0.1, only with the secret from the 0600 channel file, only with
// the loopback Host header; answers requests, lists them, shows them on a page.
import { request } from "node:http";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ConsentBroker } from "../../../agent/consent/broker.js";
import { CHANNEL_FILE, startApprovalServer, type ApprovalServer } from "../../../agent/consent/local-approval-server.js";
import { memoryLogger } from "../../../shared/log.js";

let dir: string;
let broker: ConsentBroker;
let srv: ApprovalServer;
let grantsChanged = 0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-channel-"));
  broker = new ConsentBroker({ timeoutMs: 10_000 });
  srv = await startApprovalServer({ broker, stateDir: dir, locale: "en", log: memoryLogger(), onGrantsChanged: async () => (grantsChanged++, ["run_x"]) });
});
afterEach(async () => {
  broker.close();
  await srv.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw HTTP call, so the test controls the Host header (fetch does not let it be set). */
function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const r = request({ host: "127.0.0.1", port: Number(u.port), method, path, headers: { host: u.host, ...headers } }, (res) => {
      let b = "";
      res.on("data", (d: Buffer) => (b += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body: b, headers: res.headers }));
    });
    r.on("error", reject);
    r.end(body);
  });
}
const auth = () => ({ authorization: `Bearer ${srv.secret}` });
const ask = () => broker.ask({ runId: "run_aaaaaa", ticketId: "tkt_one", requestedBy: "<b>alice</b>", checks: ["dns"], changes: [], grantMs: 3600_000 });

describe("local approval channel", () => {
  test("listens on 127.0.0.1 only and writes its address + secret to a 0600 file", async () => {
    expect(new URL(srv.url).hostname).toBe("127.0.0.1");
    const file = join(dir, CHANNEL_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ url: srv.url, secret: srv.secret, pid: process.pid });
  });

  test("refuses calls without the secret, with a wrong one, or with a foreign Host header", async () => {
    expect((await call("GET", "/api/pending")).status).toBe(401);
    expect((await call("GET", "/api/pending", { authorization: "Bearer nope" })).status).toBe(401);
    expect((await call("GET", "/api/pending", { ...auth(), host: "evil.example:80" })).status).toBe(403);
    expect((await call("GET", "/?k=wrong")).status).toBe(401);
    expect((await call("GET", "/api/pending", auth())).status).toBe(200);
  });

  test("lists pending requests and answers them; an unknown id is 404", async () => {
    const answer = ask();
    const list = JSON.parse((await call("GET", "/api/pending", auth())).body);
    expect(list.pending).toHaveLength(1);
    const id = list.pending[0].id;
    expect((await call("POST", `/api/pending/${id}/approve`, auth())).status).toBe(200);
    expect(await answer).toBe("approved");
    expect((await call("POST", `/api/pending/${id}/refuse`, auth())).status).toBe(404);
  });

  test("grants-changed reaches the agent", async () => {
    const before = grantsChanged;
    const r = await call("POST", "/api/grants-changed", auth());
    expect(JSON.parse(r.body)).toEqual({ cancelled: ["run_x"] });
    expect(grantsChanged).toBe(before + 1);
  });

  test("the page shows requests escaped, cannot be framed, and its form refuses a request", async () => {
    const answer = ask();
    const page = await call("GET", `/?k=${encodeURIComponent(srv.secret)}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("&#60;b&#62;alice&#60;/b&#62;");
    expect(page.body).not.toContain("<b>alice");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    const id = broker.pending()[0]!.id;
    const form = new URLSearchParams({ k: srv.secret, id, answer: "refuse" }).toString();
    expect((await call("POST", "/answer", { "content-type": "application/x-www-form-urlencoded", origin: "http://evil.example" }, form)).status).toBe(403);
    expect((await call("POST", "/answer", { "content-type": "application/x-www-form-urlencoded" }, form)).status).toBe(303);
    expect(await answer).toBe("refused");
  });

  test("closing removes the channel file", async () => {
    await srv.close();
    await expect(stat(join(dir, CHANNEL_FILE))).rejects.toThrow(/ENOENT/);
    srv = await startApprovalServer({ broker, stateDir: dir, locale: "en", log: memoryLogger(), onGrantsChanged: async () => [] });
  });
});
