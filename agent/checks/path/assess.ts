// Findings and status of the path check from its measurements. Pure, so the rules are table-tested.
import type { FindingOf, PathData } from "../../../shared/checks.js";
import type { CheckOutcome } from "../types.js";
import { ANCHOR_SLOW_AVG_MS, isLossy, isSlow, LOSS_WARN_PCT, reachOf } from "./ip-ping.js";

export type { PathData, PathFindingCode } from "../../../shared/checks.js";

type PathFinding = FindingOf<"path">;

export function assessPath(data: PathData): CheckOutcome<"path"> {
  const f: PathFinding[] = [];
  const reaches = data.anchors.map(reachOf);
  const anyAnchor = reaches.includes("reachable");
  const allDown = !anyAnchor && reaches.includes("unreachable");

  if (allDown) {
    f.push({ code: "ANCHORS_UNREACHABLE", severity: "fail", message: `no internet anchor answered (${data.anchors.map((a) => a.Host).join(", ")})` });
  }
  for (const a of data.anchors) {
    const r = reachOf(a);
    if (!allDown && (r === "unreachable" || r === "unresolved")) {
      f.push({ code: "ANCHOR_UNREACHABLE", severity: "warn", subject: a.Host, message: `${a.Host} did not answer${r === "unresolved" ? " (name did not resolve)" : ""} while other anchors did` });
    }
    if (isLossy(a)) f.push({ code: "ANCHOR_LOSS", severity: "warn", subject: a.Host, message: `${a.Host}: ${a.lossPct}% loss (> ${LOSS_WARN_PCT}%)` });
    if (isSlow(a)) f.push({ code: "ANCHOR_SLOW", severity: "warn", subject: a.Host, message: `${a.Host}: average RTT ${a.AverageResponseTime} ms (> ${ANCHOR_SLOW_AVG_MS} ms)` });
  }

  const isp = data.ispHop;
  if (isp.ping && isp.address) {
    const r = reachOf(isp.ping);
    if (r === "unreachable") {
      // Many ISP routers drop echo to themselves while forwarding fine: only decisive when the anchors are down too.
      f.push({ code: "ISP_HOP_UNREACHABLE", severity: anyAnchor ? "warn" : "fail", subject: isp.address, message: `first ISP hop ${isp.address} did not answer ping${anyAnchor ? " (anchors did: it may just filter ICMP echo)" : ""}` });
    } else if (isLossy(isp.ping)) {
      f.push({ code: "ISP_HOP_LOSS", severity: "warn", subject: isp.address, message: `first ISP hop ${isp.address}: ${isp.ping.lossPct}% loss (> ${LOSS_WARN_PCT}%)` });
    }
  } else if (isp.source === "not_found") {
    f.push({ code: "ISP_HOP_NOT_FOUND", severity: "info", message: "no router beyond the home gateway answered TTL-limited probes" });
  }

  if (data.mtu?.blackHole) {
    f.push({ code: "PMTU_BLACKHOLE", severity: "fail", subject: data.mtu.Host, message: `packets larger than ${data.mtu.pathMtu} bytes with DF set vanish toward ${data.mtu.Host} with no "frag needed" (path MTU black hole)` });
  } else if (data.mtu?.reportedMtu && data.mtu.reportedMtu.mtu < 1500) {
    const { mtu, from } = data.mtu.reportedMtu;
    f.push({ code: "PMTU_REDUCED", severity: "info", subject: data.mtu.Host, message: `path MTU toward ${data.mtu.Host} is ${mtu}${from ? ` (frag needed from ${from})` : " (known to the kernel)"}` });
  }

  if (anyAnchor && (!data.route.reached || data.route.silentTtls.length)) {
    const why = data.route.reached ? `silent at TTL ${data.route.silentTtls.join(", ")}` : `destination not reached within ${data.route.MaxHopCount} hops`;
    f.push({ code: "HOP_LIST_INCOMPLETE", severity: "info", subject: data.route.Host, message: `hop list toward ${data.route.Host} incomplete: ${why}` });
  }

  const status = f.some((x) => x.severity === "fail") ? "fail" : f.some((x) => x.severity === "warn") ? "warn" : "ok";
  return { status, findings: f, data };
}
