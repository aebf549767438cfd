// Control connects of the service check: the service's own port on known-good hosts and on the
// gateway, changing one factor (the host) so "this service is down" is told from "this port does not
// get out of here" (a local firewall, a filter on the way). The verdict weighs them; this only measures.
import type { ServiceControl, ServiceControlTarget, ServiceProbe } from "../../../shared/checks.js";
import { probeTcp } from "../gateway/tcp-probe.js";

/** Pure: a finished probe calls for control connects when its TCP connect failed without a RST. */
export function needsControl(p: Pick<ServiceProbe, "failedStage" | "errorCode">): boolean {
  return p.failedStage === "connect" && p.errorCode !== "ECONNREFUSED";
}

/** One TCP connect per host to `port`, all at once; never rejects (a silent host is data). */
export async function connectControls(hosts: readonly { host: string; role: ServiceControlTarget["role"] }[], port: number, timeoutMs: number, signal: AbortSignal): Promise<ServiceControl> {
  const targets = await Promise.all(
    hosts.map(async ({ host, role }): Promise<ServiceControlTarget> => {
      const r = await probeTcp(host, port, timeoutMs, signal);
      return { host, role, result: r.result, ...(r.connectMs !== undefined ? { connectMs: r.connectMs } : {}), ...(r.errorCode ? { errorCode: r.errorCode } : {}) };
    }),
  );
  return { port, targets };
}
