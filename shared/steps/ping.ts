// Step data of the `ping` check: one TR-181 IPPing result per internet anchor (or per run target).
// Produced by agent/checks/ping.ts.
import { z } from "zod";
import { IpPingResult, List } from "./common.js";

export const PingFindingCode = z.enum(["TARGET_UNREACHABLE", "TARGET_UNRESOLVED", "TARGET_LOSS", "TARGET_SLOW"]);
export type PingFindingCode = z.infer<typeof PingFindingCode>;

export const PingData = z.strictObject({
  /** One TR-181 IPPing result per target, in the configured order. */
  targets: List(IpPingResult, 16),
});
export type PingData = z.infer<typeof PingData>;
