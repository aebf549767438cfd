// Pure judgement of the default gateway's reachability from three independent kinds of evidence:
// ICMP echo, TCP connects, and the kernel's neighbour (ARP/NDP) state. One silent kind is not proof
// (DOMAIN.md §3): many routers drop echo requests yet answer ARP and reset TCP.
import type { FindingOf, GatewayData, GatewayFindingCode, GatewayPingData, NeighbourVerdict, Severity } from "../../../shared/checks.js";
import type { PingReport } from "../../probes/ping-types.js";
import type { NeighbourInfo } from "../../system/system-view.js";
import type { TcpProbe } from "./tcp-probe.js";

export type { GatewayData, GatewayFindingCode, GatewayPingData, NeighbourVerdict } from "../../../shared/checks.js";

/** DOMAIN.md §3: more than 20% of probes failing is a problem. */
export const GATEWAY_LOSS_PCT = 20;
/** DOMAIN.md §3: a gateway ping average above 1500 ms is a problem. */
export const GATEWAY_SLOW_MS = 1500;

/** Kernel NUD state to a NeighbourVerdict (shared/steps/gateway.ts says what each means). */
export function classifyNeighbour(state: string | undefined): NeighbourVerdict {
  if (!state) return "absent";
  const s = state.toUpperCase();
  if (/FAILED|INCOMPLETE/.test(s)) return "failed";
  if (/REACHABLE|PERMANENT|NOARP/.test(s)) return "answered";
  if (/STALE|DELAY|PROBE/.test(s)) return "cached";
  return "absent";
}

export interface GatewayEvidence {
  gateway: string;
  dev?: string;
  family: 4 | 6;
  ping?: PingReport;
  tcp: TcpProbe[];
  /** undefined when the neighbour table could not be read; null when read but no entry. */
  neighbour: NeighbourInfo | null | undefined;
}

export interface GatewayAssessment {
  status: "ok" | "warn" | "fail";
  findings: FindingOf<"gateway">[];
  data: GatewayData;
}

function pingData(p: PingReport): GatewayPingData {
  const d: GatewayPingData = { Status: p.status, SuccessCount: p.received, FailureCount: p.failed, lossPct: p.lossPct };
  if (p.minMs !== undefined) d.MinimumResponseTime = p.minMs;
  if (p.avgMs !== undefined) d.AverageResponseTime = p.avgMs;
  if (p.maxMs !== undefined) d.MaximumResponseTime = p.maxMs;
  if (p.jitterMs !== undefined) d.jitterMs = p.jitterMs;
  if (p.errorCode !== undefined) d.errorCode = p.errorCode;
  return d;
}

export function assessGateway(ev: GatewayEvidence): GatewayAssessment {
  const tcp: GatewayData["tcp"] = {};
  for (const t of ev.tcp) {
    tcp[String(t.port)] = { result: t.result, ...(t.connectMs !== undefined ? { connectMs: t.connectMs } : {}), ...(t.errorCode ? { errorCode: t.errorCode } : {}) };
  }
  const verdict = ev.neighbour === undefined ? undefined : classifyNeighbour(ev.neighbour?.state);
  const pingRan = ev.ping?.status === "Complete";
  const answeredBy: GatewayData["answeredBy"] = [];
  if (pingRan && ev.ping!.received > 0) answeredBy.push("icmp");
  if (ev.tcp.some((t) => t.result === "open" || t.result === "refused")) answeredBy.push("tcp");
  if (verdict === "answered") answeredBy.push("arp");
  const alive = answeredBy.length > 0;

  const data: GatewayData = { gateway: ev.gateway, family: ev.family, tcp, answeredBy, alive };
  if (ev.dev) data.dev = ev.dev;
  if (ev.ping) data.ping = pingData(ev.ping);
  if (ev.neighbour !== undefined) {
    data.neighbour = { state: ev.neighbour?.state ?? "NONE", verdict: verdict! };
    if (ev.neighbour?.mac) data.neighbour.mac = ev.neighbour.mac;
  }

  const findings: GatewayAssessment["findings"] = [];
  const add = (code: GatewayFindingCode, severity: Severity, message: string) =>
    findings.push({ code, severity, message, subject: ev.gateway });

  if (!alive) {
    if (verdict === "failed") add("GATEWAY_ARP_FAILED", "fail", `gateway ${ev.gateway} did not answer ${ev.family === 4 ? "ARP" : "neighbour discovery"}: it is off, or not on this link`);
    add("GATEWAY_UNREACHABLE", "fail", `gateway ${ev.gateway} answered nothing (no ${ev.family === 4 ? "ARP" : "NDP"} reply, no ping reply, no TCP answer)`);
  } else {
    const p = ev.ping;
    if (pingRan && p && p.received === 0) {
      add("GATEWAY_ICMP_SILENT", "info", `gateway ${ev.gateway} ignores ping but answers ${answeredBy.join(" and ")}: not a fault`);
    }
    if (pingRan && p && p.received > 0 && p.lossPct > GATEWAY_LOSS_PCT) {
      add("GATEWAY_LOSS", "warn", `${p.lossPct}% of pings to gateway ${ev.gateway} were lost`);
    }
    if (pingRan && p?.avgMs !== undefined && p.avgMs > GATEWAY_SLOW_MS) {
      add("GATEWAY_SLOW", "warn", `gateway ${ev.gateway} answers ping in ${Math.round(p.avgMs)} ms on average (> ${GATEWAY_SLOW_MS} ms)`);
    }
  }
  const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
  return { status, findings, data };
}
