// The export document in-process, beside the API of the same collector: it redacts through the API's
// own policy (change the policy and both change alike: a technician who may not see the contact or the
// site sees them masked in the export exactly as in the API), pages through every step whatever the
// page size, and shows a run whose steps the retention pruned as the API shows it (marker and verdict).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Run, TicketWithRuns, TokenCreated, type Role } from "../../shared/api.js";
import { Handover } from "../../shared/ticket.js";
import { MASK, PERSONAL_DATA_POLICY, type PersonalDataRule } from "../../collector/auth/redact.js";
import { TicketExport, writeTicketExport } from "../../collector/commands/export-document.js";
import { DEFAULT_LIMITS } from "../../collector/limits.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { workTicket, type TicketCase } from "../helpers/ticket-case.js";

let col: TestCollector;
let kase: TicketCase;
let technician: string;

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
  technician = (await col.api("/api/tokens", TokenCreated, { body: { name: "tom", role: "technician" } })).token;
  kase = await workTicket(col, { offlineSteps: 12 });
}, 60_000);
afterAll(async () => {
  await kase?.agent.stop();
  await col?.close();
});

async function exportAs(role: Role, stepPageMax = DEFAULT_LIMITS.read.stepPageMax): Promise<TicketExport> {
  let text = "";
  const counts = await writeTicketExport({
    store: col.running.store,
    ticketId: kase.ticketId,
    role,
    now: Date.now(),
    limits: { ...DEFAULT_LIMITS.read, stepPageMax },
    write: async (chunk) => void (text += chunk),
  });
  expect(counts).toBeDefined();
  return TicketExport.parse(JSON.parse(text));
}

describe("the export redacts as the API does", () => {
  test("a stricter policy for technicians masks the same fields in the export as in the API", async () => {
    const policy = PERSONAL_DATA_POLICY as Record<Role, PersonalDataRule>;
    const saved = policy.technician;
    policy.technician = { name: true, contactOnRecord: false, site: false };
    try {
      const doc = await exportAs("technician");
      const api = await col.api(`/api/tickets/${kase.ticketId}`, TicketWithRuns, { token: technician });
      const handover = await col.api(`/api/tickets/${kase.ticketId}/handover`, Handover, { token: technician });
      expect(api.customer).toEqual({ name: "Wang Fang", contact: "+86 1** **** **00", site: MASK });
      expect(doc.ticket.customer).toEqual(api.customer);
      expect(doc.handover.customer).toEqual(handover.customer);
      // Nowhere in the technician's export: the number or the address.
      const text = JSON.stringify(doc);
      expect(text).not.toContain("0013 8000");
      expect(text).not.toContain("Room 402");
    } finally {
      policy.technician = saved;
    }
    // The admin's export (and the technician's under the shipped policy) shows them.
    expect((await exportAs("admin")).ticket.customer).toEqual({ name: "Wang Fang", contact: "+86 138 0013 8000", site: "Bldg 3, Room 402" });
    expect((await exportAs("technician")).ticket.customer.contact).toBe((await col.api(`/api/tickets/${kase.ticketId}`, TicketWithRuns, { token: technician })).customer.contact);
  });

  test("every step whatever the page size", async () => {
    const small = await exportAs("engineer", 5);
    const big = await exportAs("engineer");
    expect(small.runs.map((r) => r.steps.length)).toEqual([12, 7, 7]);
    expect(small.runs).toEqual(big.runs);
  });

  test("a run whose steps the retention pruned: the marker and the verdict, as the API shows them", async () => {
    const far = Date.now() + 365 * 86_400_000;
    const report = await col.running.store.maintenance.pruneStepResults({ before: far, now: far });
    expect(report).toMatchObject({ steps: 26, runs: 3, complete: true });
    const doc = await exportAs("admin");
    for (const run of doc.runs) {
      expect(run.steps).toEqual([]);
      expect(run).toEqual(await col.api(`/api/runs/${run.id}`, Run));
    }
    expect(doc.runs.map((r) => r.stepsPruned?.steps)).toEqual([12, 7, 7]);
    expect(doc.runs[1]?.verdict).toMatchObject({ cause: "WAN_LINK_DOWN" });
    expect(doc.handover.steps).toEqual([]);
    expect(doc.handover.verdict).toMatchObject({ runId: kase.repairedRunId });
    expect(doc.audit?.length).toBeGreaterThan(0);
  });
});
