// The shared schemas the OpenAPI document names (components/schemas): those that responses hold in
// more than one place or that a reader looks up on their own (a Run, a Verdict, one check's step).
// Anything else is written out where it is used.
import { z } from "zod";
import { Agent, ApiError, DeviceState, EnrollmentCreated, Enrolled, Run, StoredStep, Ticket, TicketWithRuns, TokenCreated } from "../../shared/api.js";
import { AuditEntry, TokenView } from "../../shared/api-responses.js";
import { DhcpStep, DnsStep, GatewayStep, HostStep, PathStep, PingStep, RouterOsStep, ServiceStep, SnmpStep, STEP_SCHEMAS, StepResult } from "../../shared/checks.js";
import { StoredStepResult, StoredStepResultTyped } from "../../shared/steps/stored.js";
import { Handover, Knowledge, RunComparison, TicketDeadlines, TicketHistoryEntry } from "../../shared/ticket.js";
import { UserView } from "../../shared/users.js";
import { Verdict } from "../../shared/verdict.js";

const STEPS = { host: HostStep, gateway: GatewayStep, dhcp: DhcpStep, dns: DnsStep, ping: PingStep, path: PathStep, service: ServiceStep, snmp: SnmpStep, routeros: RouterOsStep };
const pascal = (id: string) => (id === "routeros" ? "RouterOs" : id[0]!.toUpperCase() + id.slice(1));

/**
 * Each check's data, once: in full (a measured step, `<Check>Data`) and with every field optional (a
 * skipped or failed step, `<Check>PartialData`: the same schema object in both of those alternatives).
 */
const checkData: [z.ZodType, string][] = Object.entries(STEPS).flatMap(([id, step]) => {
  const skipped = step.options.find((o) => (o as unknown as z.ZodObject).shape.status instanceof z.ZodLiteral) as unknown as z.ZodObject | undefined;
  if (!skipped) throw new Error(`${id}: no skipped alternative in its step schema (shared/steps/index.ts changed?)`);
  const partial = skipped.shape.data as z.ZodType;
  return [
    [STEP_SCHEMAS[id as keyof typeof STEPS].data, `${pascal(id)}Data`],
    [partial, `${pascal(id)}PartialData`],
  ];
});

export const NAMED_SCHEMAS: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  ...checkData,
  [ApiError, "ApiError"],
  [Ticket, "Ticket"],
  [TicketWithRuns, "TicketWithRuns"],
  [TicketDeadlines, "TicketDeadlines"],
  [TicketHistoryEntry, "TicketHistoryEntry"],
  [Handover, "Handover"],
  [RunComparison, "RunComparison"],
  [Knowledge, "Knowledge"],
  [Run, "Run"],
  [StoredStep, "StoredStep"],
  [StoredStepResult, "StoredStepResult"],
  [Verdict, "Verdict"],
  [StepResult, "StepResult"],
  [HostStep, "HostStep"],
  [GatewayStep, "GatewayStep"],
  [DhcpStep, "DhcpStep"],
  [DnsStep, "DnsStep"],
  [PingStep, "PingStep"],
  [PathStep, "PathStep"],
  [ServiceStep, "ServiceStep"],
  [SnmpStep, "SnmpStep"],
  [RouterOsStep, "RouterOsStep"],
  [Agent, "Agent"],
  [DeviceState, "DeviceState"],
  [EnrollmentCreated, "EnrollmentCreated"],
  [Enrolled, "Enrolled"],
  [TokenCreated, "TokenCreated"],
  [TokenView, "TokenView"],
  [AuditEntry, "AuditEntry"],
  [UserView, "UserView"],
]);

/**
 * Transforms that only retype: a stored step is read back leniently and cast to StepResult in code
 * (shared/steps/stored.ts); on the wire it is the StoredStepResult record.
 */
export const RETYPING_SCHEMAS: ReadonlySet<z.ZodType> = new Set<z.ZodType>([StoredStepResultTyped]);
