// One TCP connect as a liveness probe: an accept ("open") or a RST ("refused") both prove the host is
// alive at layer 3, which is what routers that drop ICMP echo still give away.
import { connect } from "node:net";
import type { TcpProbeResult } from "../../../shared/checks.js";

export type { TcpProbeResult };

export interface TcpProbe {
  port: number;
  result: TcpProbeResult;
  /** Time to the SYN-ACK or RST in ms; undefined for timeout/error. */
  connectMs?: number;
  /** errno for "error" (EHOSTUNREACH after failed ARP, ENETUNREACH, …). */
  errorCode?: string;
}

/** Connects once; never rejects (a dead host is data). The socket is destroyed in every case. */
export function probeTcp(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<TcpProbe> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const ms = () => Math.round((performance.now() - t0) * 10) / 10;
    const sock = connect({ host, port, signal });
    const timer = setTimeout(() => finish({ port, result: "timeout" }), timeoutMs);
    let settled = false;
    function finish(r: TcpProbe) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    }
    sock.once("connect", () => finish({ port, result: "open", connectMs: ms() }));
    sock.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNREFUSED") finish({ port, result: "refused", connectMs: ms() });
      // Our own abort: the budget ran out, so the answer never came in time.
      else if (e.name === "AbortError" || e.code === "ABORT_ERR") finish({ port, result: "timeout" });
      else finish({ port, result: "error", errorCode: e.code ?? "UNKNOWN" });
    });
  });
}
