// The ISP's own deadline policy, given to the real collector binary with --deadlines-file (or
// NETDIAG_DEADLINES_FILE): a ticket gets its limits from it, a severity left out keeps its default,
// and a file that cannot be used stops the start with a usage error naming the problem.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Ticket } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import { runBin, startBin } from "../helpers/cli.js";

const MIN = 60_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-deadlines-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("netdiag-collector --deadlines-file", () => {
  test("tickets get the configured limits; a severity left out keeps its default", async () => {
    const file = join(dir, "deadlines.json");
    await writeFile(file, JSON.stringify({ severe: { respondMs: 10 * MIN, resolveMs: 120 * MIN } }));
    const col = startBin("collector", ["--port", "0", "--data-dir", join(dir, "data"), "--log-level", "silent"], { NETDIAG_DEADLINES_FILE: file });
    try {
      const banner = await col.waitFor(/export NETDIAG_TOKEN=\S+/);
      const url = /export NETDIAG_URL=(\S+)/.exec(col.output())![1]!;
      const token = banner.split("=")[1]!;
      const body = (severity: string) => ({ body: { customer: { name: "Wang", contact: "+86 1" }, service: "Fiber", symptom: "down", severity }, token });
      const severe = await httpJson(`${url}/api/tickets`, Ticket, body("severe"));
      expect([severe.respondBy - severe.createdAt, severe.resolveBy - severe.createdAt]).toEqual([10 * MIN, 120 * MIN]);
      const general = await httpJson(`${url}/api/tickets`, Ticket, body("general"));
      expect([general.respondBy - general.createdAt, general.resolveBy - general.createdAt]).toEqual([240 * MIN, 72 * 60 * MIN]);
    } finally {
      await col.stop();
    }
  });

  test.each([
    ["missing file", null, /cannot read --deadlines-file .*ENOENT/],
    ["not JSON", "severe: 10m", /not valid JSON \(MALFORMED_JSON\)/],
    ["below a minute", JSON.stringify({ severe: { respondMs: 5000, resolveMs: 3_600_000 } }), /deadlines\.severe\.respondMs/],
    ["unknown severity", JSON.stringify({ urgent: { respondMs: 600_000, resolveMs: 3_600_000 } }), /urgent/],
  ])("%s: usage error, exit 2, nothing started", async (name, content, message) => {
    const file = join(dir, `${name.replace(/\W/g, "-")}.json`);
    if (content !== null) await writeFile(file, content);
    const r = await runBin("collector", ["--port", "0", "--data-dir", join(dir, "never"), "--deadlines-file", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
