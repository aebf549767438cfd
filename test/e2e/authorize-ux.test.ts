// `netdiag-agent authorize` as a customer types it from the phone: a ticket id that cannot be one is
// refused with what ticket ids look like; a well-formed id this computer has never heard of (not the
// ticket it was enrolled for, no earlier grant) is accepted with a clear warning and the way back.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { z } from "zod";
import { EnrollmentCreated, Ticket, TicketIdFormat } from "../../shared/api.js";
import { runBin } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

let col: TestCollector;
let dir: string;
let ticket: Ticket;
const cfgPath = () => join(dir, "agent.json");
const agent = (args: string[], lang = "en") => runBin("agent", [...args, "--config", cfgPath(), "--lang", lang]);
const grants = async () => z.object({ grants: z.array(z.object({ ticketId: z.string() })) }).parse(JSON.parse((await agent(["grants", "--json"])).stdout)).grants;

beforeAll(async () => {
  col = await startTestCollector();
  dir = await mkdtemp(join(tmpdir(), "netdiag-authorize-"));
  ticket = await col.api("/api/tickets", Ticket, { body: { customer: { name: "Wang", contact: "+86 1" }, service: "Fiber", symptom: "down" } });
  const code = await col.api("/api/enrollments", EnrollmentCreated, { body: { ticketId: ticket.id } });
  const r = await runBin("agent", ["enroll", "--collector", col.url, "--code", code.code, "--name", "pc", "--config", cfgPath()]);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(await readFile(cfgPath(), "utf8")).identity.ticketId).toBe(ticket.id);
});

afterAll(async () => {
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

test("the collector's ticket ids have the documented format", () => {
  expect(ticket.id).toMatch(TicketIdFormat);
});

test.each(["tk_typo", "TK-123", "tk_aaaaaaaaaaaaa", "12345678"])("%s is not a ticket id: refused (exit 2) with what one looks like; nothing granted", async (bad) => {
  const r = await agent(["authorize", "--ticket", bad, "--all"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`'${bad}' is not a ticket id`);
  expect(r.stderr).toMatch(/tk_ followed by 12/);
  expect(await grants()).toEqual([]);
});

test("the ticket this computer was enrolled for: granted, no warning", async () => {
  const r = await agent(["authorize", "--ticket", ticket.id, "--all"]);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe("");
  expect(r.stdout).toContain(`Authorized ticket ${ticket.id}`);
});

test.each([
  ["en", /Warning: tk_zzzzzzzzzzz1 is not a ticket this computer knows \(it was enrolled for or authorized: [^)]+\)\. If your engineer gave you this id, all is well; if it is a typo, end it with: netdiag-agent revoke --ticket tk_zzzzzzzzzzz1/],
  ["zh-CN", /注意：工单 tk_zzzzzzzzzzz2 对本电脑是陌生的（本电脑登记或授权过的工单：[^）]+）。/],
])("a well-formed ticket it does not know (%s): granted, with a warning naming the known one and the way back", async (lang, warning) => {
  const other = lang === "en" ? "tk_zzzzzzzzzzz1" : "tk_zzzzzzzzzzz2";
  const r = await agent(["authorize", "--ticket", other, "--all"], lang);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(warning);
  expect(r.stderr).toContain(ticket.id);
  expect((await grants()).map((g) => g.ticketId)).toContain(other);
});
