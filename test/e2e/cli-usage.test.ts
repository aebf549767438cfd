// What the engineer sees when a command is typed wrong: the bad value, what is accepted, and exit 2
// (usage), before anything is sent; and a not-found answer that repeats the id that was not found.
import { afterAll, beforeAll, expect, test } from "vitest";
import { z } from "zod";
import { Ticket, TokenCreated } from "../../shared/api.js";
import { CHECK_IDS } from "../../shared/checks.js";
import { runBin } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

let col: TestCollector;
let engineer: string;
let ticket: Ticket;
const cli = (...args: string[]) => runBin("cli", args, { NETDIAG_URL: col.url, NETDIAG_TOKEN: engineer });
const create = ["ticket", "create", "--customer", "Wang", "--contact", "+86 1", "--service", "Fiber", "--symptom", "down"];
/** Audit rows: a refused usage error must not have reached the collector at all. */
const auditCount = async () => (await col.api("/api/audit?limit=500", z.array(z.unknown()))).length;

beforeAll(async () => {
  col = await startTestCollector();
  engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
  ticket = await col.api("/api/tickets", Ticket, { token: engineer, body: { customer: { name: "Wang", contact: "+86 1" }, service: "Fiber", symptom: "down" } });
});

afterAll(async () => col?.close());

test.each([
  ["an unknown check", () => ["run", "--ticket", ticket.id, "--agent", "ag_abcdefgh", "--checks", "dns,pnig"], `unknown check 'pnig' (known: ${CHECK_IDS.join(", ")})`],
  ["an unknown severity", () => [...create, "--severity", "urgent"], "unknown severity 'urgent' (known: general, important, severe)"],
  ["an unknown category", () => [...create, "--category", "wifi"], "unknown category 'wifi' (known: network, service, terminal, billing, other)"],
  ["an unknown role", () => ["token", "create", "--role", "boss", "--name", "x"], "unknown role 'boss' (known: admin, engineer, technician, integration)"],
  ["a malformed ticket id", () => ["run", "--ticket", "tk x", "--agent", "ag_abcdefgh"], "--ticket 'tk x': id must be 6-64 chars of [A-Za-z0-9_-]"],
  ["a hostile target", () => ["run", "--ticket", ticket.id, "--agent", "ag_abcdefgh", "--target=-c"], "--target '-c': target must not start with '-' (option injection)"],
  ["a bad service", () => ["run", "--ticket", ticket.id, "--agent", "ag_abcdefgh", "--service", "ftp://x"], "--service 'ftp://x': service must be an http(s) URL or host:port"],
  ["a non-number", () => ["enroll-code", "--ttl-hours", "soon"], "--ttl-hours 'soon': must be a number"],
  ["an empty customer name", () => ["ticket", "create", "--customer", "", "--contact", "+86 1", "--service", "Fiber", "--symptom", "down"], "ticket create needs --customer"],
])("%s: exit 2, the value and what is accepted, nothing sent", async (_name, args, message) => {
  const before = await auditCount();
  const r = await cli(...args());
  expect(r.stderr).toContain(message);
  expect(r.stderr).not.toMatch(/✖|→ at /); // no raw zod text
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(await auditCount()).toBe(before);
});

test.each([
  ["ticket show", () => ["ticket", "show", "tk_doesnotexist"], "ticket tk_doesnotexist not found"],
  ["run on a missing ticket", () => ["run", "--ticket", "tk_missing12345", "--agent", "ag_abcdefgh"], "ticket tk_missing12345 not found"],
  ["run on a missing agent", () => ["run", "--ticket", ticket.id, "--agent", "ag_missing1234"], "agent ag_missing1234 not found"],
  ["watch", () => ["watch", "run_nonexistent1"], "run run_nonexistent1 not found"],
  ["cancel", () => ["cancel", "run_nonexistent2"], "run run_nonexistent2 not found"],
  ["device", () => ["device", "ag_nonexistent1"], "agent ag_nonexistent1 not found"],
  ["agent reenroll", () => ["agent", "reenroll", "ag_nonexistent2"], "agent ag_nonexistent2 not found"],
  ["enroll-code for a missing ticket", () => ["enroll-code", "--ticket", "tk_missing67890"], "ticket tk_missing67890 not found"],
])("%s: not found names the id (exit 3)", async (_name, args, message) => {
  const r = await cli(...args());
  expect(r.stderr).toContain(`netdiag: ${message}`);
  expect(r.code).toBe(3);
});
