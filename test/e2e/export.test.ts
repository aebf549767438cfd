// `netdiag-collector export` (the built binary) against the data dir of a collector that is running:
// for every role the export holds exactly what the API shows that role (the ticket, every run with
// every step, paged past one API page, the history, the hand-over, the comparison), the audit rows
// only for admins; the export itself is audited; the file is 0600 and complete or absent; bad input
// gets a clear error and the right exit code, and a wrong data dir never creates a store.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Role, Run, TicketWithRuns, TokenCreated, type Run as RunT } from "../../shared/api.js";
import { deadlineStatus, Handover, RunComparison, TicketHistoryEntry } from "../../shared/ticket.js";
import { TicketExport } from "../../collector/commands/export-document.js";
import { AuditEntry } from "../../shared/api-responses.js";
import { DEFAULT_LIMITS } from "../../collector/limits.js";
import { runBin } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { workTicket, type TicketCase } from "../helpers/ticket-case.js";

/** More steps than one API page holds: the export must page through them. */
const OFFLINE_STEPS = DEFAULT_LIMITS.read.stepPageMax + 20;

let col: TestCollector;
let kase: TicketCase;
let out: string;
const tokens: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "netdiag-export-"));
  // Fast enough ingest for the long offline run; nothing else differs from a production collector.
  col = await startTestCollector({ heartbeatMs: 60_000 }, { limits: { ingest: { framesPerS: 5_000, frameBurst: 5_000 } } });
  tokens.admin = col.adminToken;
  for (const role of ["engineer", "technician"] as const) {
    tokens[role] = (await col.api("/api/tokens", TokenCreated, { body: { name: `${role}-1`, role } })).token;
  }
  kase = await workTicket(col, { offlineSteps: OFFLINE_STEPS });
}, 120_000);
afterAll(async () => {
  await kase?.agent.stop();
  await col?.close();
  await rm(out, { recursive: true, force: true });
});

const exportBin = (args: string[]) => runBin("collector", ["export", ...args]);

/** A run as the API gives it to `token`, every page joined. */
async function apiWholeRun(id: string, token: string): Promise<RunT> {
  let run = await col.api(`/api/runs/${id}`, Run, { token });
  const steps = [...run.steps];
  while (run.nextAfterSeq !== undefined) {
    run = await col.api(`/api/runs/${id}?afterSeq=${run.nextAfterSeq}`, Run, { token });
    steps.push(...run.steps);
  }
  const { nextAfterSeq: _more, ...whole } = run;
  return { ...whole, steps };
}

describe("export while the collector runs", () => {
  test.each(["admin", "engineer", "technician"] as const)("as %s: exactly what the API shows that role", { timeout: 60_000 }, async (role) => {
    const file = join(out, `${role}.json`);
    const r = await exportBin(["--ticket", kase.ticketId, "--role", role, "--data-dir", col.dataDir, "--out", file]);
    expect(r.stderr).toMatch(new RegExp(`^exported ticket ${kase.ticketId} as ${role}: 3 runs, ${OFFLINE_STEPS + 14} steps`));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const doc = TicketExport.parse(JSON.parse(await readFile(file, "utf8")));
    expect(doc).toMatchObject({ format: "netdiag.ticket-export", version: 1, role });

    const token = tokens[role]!;
    const as = { token };
    // The ticket as the role reads it (deadlines computed at the export's time instead of the API call's).
    const { runs: apiRuns, olderRuns: _older, deadlines: _d, ...apiTicket } = await col.api(`/api/tickets/${kase.ticketId}`, TicketWithRuns, as);
    const { deadlines, ...ticket } = doc.ticket;
    expect(ticket).toEqual(apiTicket);
    expect(deadlines).toEqual(deadlineStatus(apiTicket, doc.exportedAt));
    expect(doc.ticket.customer.site).toBe("Bldg 3, Room 402");

    // Every run, oldest first, each with all its steps: the big one needed two API pages.
    expect(doc.runs.map((x) => x.id)).toEqual(apiRuns.map((x) => x.id));
    expect(doc.runs.map((x) => x.id)).toEqual([kase.offlineRunId, kase.failingRunId, kase.repairedRunId]);
    for (const run of doc.runs) expect(run).toEqual(await apiWholeRun(run.id, token));
    expect(doc.runs[0]!.steps).toHaveLength(OFFLINE_STEPS);
    expect(doc.runs[0]!.steps.map((s) => s.seq)).toEqual(Array.from({ length: OFFLINE_STEPS }, (_, i) => i + 1));
    expect(doc.runs.every((x) => x.nextAfterSeq === undefined)).toBe(true);
    expect(doc.runs[1]!.verdict).toMatchObject({ segment: "wan", cause: "WAN_LINK_DOWN" });

    expect(doc.history).toEqual(await col.api(`/api/tickets/${kase.ticketId}/history`, z.array(TicketHistoryEntry), as));
    const { deadlines: hd, ...handover } = doc.handover;
    const { deadlines: _hd, ...apiHandover } = await col.api(`/api/tickets/${kase.ticketId}/handover`, Handover, as);
    expect(handover).toEqual(apiHandover);
    expect(hd).toEqual(deadlines);
    expect(doc.handover).toMatchObject({ to: "field_service", verdict: { runId: kase.repairedRunId, cause: "NONE" } });
    expect(doc.comparison).toEqual(await col.api(`/api/tickets/${kase.ticketId}/comparison`, RunComparison, as));
    expect(doc.comparison).toMatchObject({ before: { runId: kase.failingRunId }, after: { runId: kase.repairedRunId }, healthy: true });

    // The audit trail of the ticket: for admins only, as GET /api/audit shows it up to the export.
    const audit = await col.api(`/api/audit?ticketId=${kase.ticketId}&limit=1000`, z.array(AuditEntry));
    const exportRow = audit.find((a) => a.action === "ticket.export" && a.detail?.role === role);
    expect(exportRow).toMatchObject({ actor: "local-cli", outcome: "ok", detail: { role, runs: 3, steps: OFFLINE_STEPS + 14, to: file } });
    if (role === "admin") {
      expect(doc.audit).toEqual(audit.filter((a) => a.id < exportRow!.id));
      expect(doc.audit?.map((a) => a.action)).toEqual(expect.arrayContaining(["ticket.create", "run.request", "ticket.escalate"]));
    } else {
      expect(doc.audit).toBeUndefined();
    }
  });

  test("to stdout, the same document", async () => {
    const r = await exportBin(["--ticket", kase.ticketId, "--role", "engineer", "--data-dir", col.dataDir]);
    expect(r.code).toBe(0);
    const doc = TicketExport.parse(JSON.parse(r.stdout));
    expect(doc.runs.map((x) => x.steps.length)).toEqual([OFFLINE_STEPS, 7, 7]);
  });

  test("bad input: a clear error, the right exit code, no file and no new store", async () => {
    const file = join(out, "missing.json");
    const unknown = await exportBin(["--ticket", "tk_nosuchticket", "--data-dir", col.dataDir, "--out", file]);
    expect(unknown).toMatchObject({ code: 1, stdout: "" });
    expect(unknown.stderr).toMatch(/no ticket tk_nosuchticket in this store/);
    expect((await readdir(out)).filter((f) => f.includes("missing"))).toEqual([]);

    const role = await exportBin(["--ticket", kase.ticketId, "--role", "root", "--data-dir", col.dataDir]);
    expect(role).toMatchObject({ code: 2 });
    expect(role.stderr).toMatch(/--role must be admin, engineer or technician/);
    expect((await exportBin(["--data-dir", col.dataDir])).stderr).toMatch(/export needs --ticket ID/);
    expect((await exportBin(["--ticket", kase.ticketId, "--bogus"])).code).toBe(2);
    expect((await exportBin(["--ticket", kase.ticketId, "--data-dir", col.dataDir, "--config", "x.json"])).stderr).toMatch(/not both/);

    const nowhere = join(out, "no-store-here");
    const missing = await exportBin(["--ticket", kase.ticketId, "--data-dir", nowhere]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no collector store at .*no-store-here/);
    await expect(stat(nowhere)).rejects.toThrow(/ENOENT/);
  });

  test("--config: the data dir from the collector's own config file", async () => {
    const cfg = join(out, "collector.json");
    await writeFile(cfg, JSON.stringify({ dataDir: col.dataDir, port: 0 }));
    const r = await exportBin(["--ticket", kase.ticketId, "--role", "technician", "--config", cfg]);
    expect(r.code).toBe(0);
    expect(TicketExport.parse(JSON.parse(r.stdout)).ticket.id).toBe(kase.ticketId);
    await writeFile(cfg, JSON.stringify({ dataDir: 7 }));
    const bad = await exportBin(["--ticket", kase.ticketId, "--config", cfg]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--config .*collector\.json: dataDir: .*expected string/);
  });
});
