// `ping`: reachability, loss and latency of each internet anchor (or the run's targets), in parallel.
import type { FindingOf } from "../../shared/checks.js";
import { ping } from "../probes/ping.js";
import { TIMEOUTS } from "../timeouts.js";
import {
  ANCHOR_SLOW_AVG_MS,
  isLossy,
  isSlow,
  LOSS_WARN_PCT,
  reachOf,
  standardPing,
  throwIfPingMissing,
  toIpPing,
  type IpPingResult,
} from "./path/ip-ping.js";
import { defineCheck, type CheckOutcome } from "./types.js";

export type { PingData, PingFindingCode } from "../../shared/checks.js";

/** Pure: findings and status from the per-target results. */
export function assessPing(targets: readonly IpPingResult[]): CheckOutcome<"ping"> {
  const findings: FindingOf<"ping">[] = [];
  for (const t of targets) {
    const reach = reachOf(t);
    if (reach === "unreachable") {
      findings.push({ code: "TARGET_UNREACHABLE", severity: "warn", subject: t.Host, message: `${t.Host}: no reply to ${t.NumberOfRepetitions} pings${t.icmpErrors[0] ? ` (${t.icmpErrors[0].message} from ${t.icmpErrors[0].from})` : ""}` });
    } else if (reach === "unresolved") {
      findings.push({ code: "TARGET_UNRESOLVED", severity: "warn", subject: t.Host, message: `${t.Host}: name did not resolve` });
    } else if (reach === "reachable") {
      if (isLossy(t)) findings.push({ code: "TARGET_LOSS", severity: "warn", subject: t.Host, message: `${t.Host}: ${t.lossPct}% loss (> ${LOSS_WARN_PCT}%)` });
      if (isSlow(t)) findings.push({ code: "TARGET_SLOW", severity: "warn", subject: t.Host, message: `${t.Host}: average RTT ${t.AverageResponseTime} ms (> ${ANCHOR_SLOW_AVG_MS} ms)` });
    }
  }
  const reaches = targets.map(reachOf);
  const allUnreachable = !reaches.includes("reachable") && reaches.includes("unreachable");
  if (allUnreachable) for (const f of findings) if (f.code === "TARGET_UNREACHABLE") f.severity = "fail";
  const status = allUnreachable ? "fail" : findings.length ? "warn" : "ok";
  return { status, findings, data: { targets: [...targets] } };
}

export const pingCheck = defineCheck({
  id: "ping",
  title: "Ping each internet anchor: loss, min/avg/max RTT, jitter",
  timeoutMs: TIMEOUTS.check.ping,
  async run(ctx, signal) {
    const targets = await Promise.all(
      ctx.targets.anchors.map(async (host) => {
        const req = standardPing(host);
        return toIpPing(req, await ping(ctx.spawn, req, signal));
      }),
    );
    throwIfPingMissing(targets);
    return assessPing(targets);
  },
});
