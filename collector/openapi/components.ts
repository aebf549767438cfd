// The shared schemas the OpenAPI document names (components/schemas): those that responses hold in
// more than one place or that a reader looks up on their own (a Run, a Verdict, one check's step).
// Anything else is written out where it is used.
import type { z } from "zod";
import { Agent, ApiError, DeviceState, EnrollmentCreated, Enrolled, Run, StoredStep, Ticket, TicketWithRuns, TokenCreated } from "../../shared/api.js";
import { AuditEntry, TokenView } from "../../shared/api-responses.js";
import { DhcpStep, DnsStep, GatewayStep, HostStep, PathStep, PingStep, RouterOsStep, ServiceStep, SnmpStep, StepResult } from "../../shared/checks.js";
import { StoredStepResult, StoredStepResultTyped } from "../../shared/steps/stored.js";
import { Handover, Knowledge, RunComparison, TicketDeadlines, TicketHistoryEntry } from "../../shared/ticket.js";
import { UserView } from "../../shared/users.js";
import { Verdict } from "../../shared/verdict.js";

export const NAMED_SCHEMAS: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
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
