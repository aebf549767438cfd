// StepResult: one completed step, discriminated by `check` (which fixes the data schema and the closed
// set of finding codes) and then by `status` (which says whether the data is a complete measurement).
//
// The rule for data by status:
//   - ok / warn / fail ("measured"): `data` is the check's full schema (shared/steps/<id>.ts). Inside
//     it, an optional field that is undefined means "not measured", never "false" or "failed".
//   - skipped: `data` is the same schema with every top-level field optional (usually `{}`, sometimes
//     what was learnt before the check gave up, e.g. the dhcp lease); `skipReason` is required.
//   - error / timeout: like skipped, but `error` ({ code, message }) is required instead.
// Every object is strict: a misspelled or unknown field is rejected on the wire, and so is a finding
// code outside the check's enum. The schemas only ever gain optional fields, so a newer collector
// accepts every older agent's steps; upgrade the collector before the agents (ARCHITECTURE.md, invariant 11).
import { z } from "zod";
import { CheckId, findingOf, MEASURED_STATUSES, StepError } from "./base.js";
import { DhcpData, DhcpFindingCode } from "./dhcp.js";
import { DnsData, DnsFindingCode } from "./dns.js";
import { GatewayData, GatewayFindingCode } from "./gateway.js";
import { HostData, HostFindingCode } from "./host.js";
import { PathData, PathFindingCode } from "./path.js";
import { PingData, PingFindingCode } from "./ping.js";
import { RouterOsData, RouterOsFindingCode } from "./routeros.js";
import { ServiceData, ServiceFindingCode } from "./service.js";
import { SnmpData, SnmpFindingCode } from "./snmp.js";

/** Per check: its data schema and its finding codes. The one table the union is built from. */
export const STEP_SCHEMAS = {
  host: { data: HostData, codes: HostFindingCode },
  gateway: { data: GatewayData, codes: GatewayFindingCode },
  dhcp: { data: DhcpData, codes: DhcpFindingCode },
  dns: { data: DnsData, codes: DnsFindingCode },
  ping: { data: PingData, codes: PingFindingCode },
  path: { data: PathData, codes: PathFindingCode },
  service: { data: ServiceData, codes: ServiceFindingCode },
  snmp: { data: SnmpData, codes: SnmpFindingCode },
  routeros: { data: RouterOsData, codes: RouterOsFindingCode },
} as const satisfies Record<CheckId, { data: z.ZodObject; codes: z.ZodEnum<Record<string, string>> }>;

const timing = {
  /** Epoch milliseconds when the step started, from the agent's clock. */
  startedAt: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
};

/** `partial` is `data.partial()`, made at the call site: inside this generic function TS would type it loosely. */
function stepSchema<C extends CheckId, D extends z.ZodObject, P extends z.ZodObject, F extends z.ZodEnum<Record<string, string>>>(check: C, data: D, partial: P, codes: F) {
  const head = { check: z.literal(check), ...timing, findings: z.array(findingOf(codes)).max(200) };
  return z.discriminatedUnion("status", [
    z.strictObject({ ...head, status: z.enum(MEASURED_STATUSES), data }),
    z.strictObject({ ...head, status: z.literal("skipped"), skipReason: z.string().max(500), data: partial }),
    z.strictObject({ ...head, status: z.enum(["error", "timeout"]), error: StepError, data: partial }),
  ]);
}

const S = STEP_SCHEMAS;
export const HostStep = stepSchema("host", S.host.data, S.host.data.partial(), S.host.codes);
export const GatewayStep = stepSchema("gateway", S.gateway.data, S.gateway.data.partial(), S.gateway.codes);
export const DhcpStep = stepSchema("dhcp", S.dhcp.data, S.dhcp.data.partial(), S.dhcp.codes);
export const DnsStep = stepSchema("dns", S.dns.data, S.dns.data.partial(), S.dns.codes);
export const PingStep = stepSchema("ping", S.ping.data, S.ping.data.partial(), S.ping.codes);
export const PathStep = stepSchema("path", S.path.data, S.path.data.partial(), S.path.codes);
export const ServiceStep = stepSchema("service", S.service.data, S.service.data.partial(), S.service.codes);
export const SnmpStep = stepSchema("snmp", S.snmp.data, S.snmp.data.partial(), S.snmp.codes);
export const RouterOsStep = stepSchema("routeros", S.routeros.data, S.routeros.data.partial(), S.routeros.codes);

/** One completed step (one check run once), as sent on the wire, stored, and read by the verdict. */
export const StepResult = z.discriminatedUnion("check", [HostStep, GatewayStep, DhcpStep, DnsStep, PingStep, PathStep, ServiceStep, SnmpStep, RouterOsStep]);
export type StepResult = z.infer<typeof StepResult>;

/** The step of one check: `StepResultOf<"dns">`. */
export type StepResultOf<C extends CheckId> = Extract<StepResult, { check: C }>;
/** A step of check C whose data is a complete measurement (status ok, warn or fail). */
export type MeasuredStepOf<C extends CheckId> = Extract<StepResultOf<C>, { status: "ok" | "warn" | "fail" }>;
/** The full data of check C (what a measured step carries). */
export type StepDataOf<C extends CheckId> = z.infer<(typeof STEP_SCHEMAS)[C]["data"]>;
/** The finding codes check C may emit. */
export type FindingCodeOf<C extends CheckId> = z.infer<(typeof STEP_SCHEMAS)[C]["codes"]>;
/** A finding of check C. */
export type FindingOf<C extends CheckId> = StepResultOf<C>["findings"][number];

/** Narrows a step to check C (and, with `measured`, to a complete measurement). */
export function isStep<C extends CheckId>(step: StepResult, check: C): step is StepResultOf<C> {
  return step.check === check;
}
export function isMeasured<C extends CheckId>(step: StepResult, check: C): step is MeasuredStepOf<C> {
  return step.check === check && (MEASURED_STATUSES as readonly string[]).includes(step.status);
}

export * from "./base.js";
