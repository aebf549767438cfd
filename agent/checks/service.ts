// service: can the one service the customer names be reached, and where does it fail: name, TCP,
// TLS or HTTP? Runs the probe under the budgets of agent/timeouts.ts and judges the result.
import { parseServiceTarget } from "../../shared/targets.js";
import { TIMEOUTS } from "../timeouts.js";
import { assessService } from "./service/classify.js";
import { probeService, type ProbeOptions, type ServiceProbe } from "./service/probe.js";
import { defineCheck } from "./types.js";

export interface ServiceData {
  /** The target as configured; undefined when none was (then the step is skipped). */
  target?: string;
  probe?: ServiceProbe;
}

export const SERVICE_PROBE_OPTIONS: ProbeOptions = {
  lookupMs: TIMEOUTS.hostLookupMs,
  dnsAttemptMs: TIMEOUTS.dnsQueryMs,
  dnsTries: TIMEOUTS.dnsTries,
  connectMs: TIMEOUTS.tcpConnectMs,
  httpMs: TIMEOUTS.httpMs,
};

export const serviceCheck = defineCheck<ServiceData>({
  id: "service",
  title: "Reachability of the service the customer names (DNS, TCP, TLS, HTTP)",
  timeoutMs: TIMEOUTS.check.service,
  async run(ctx, signal) {
    const target = ctx.targets.service;
    if (!target) return { status: "skipped", findings: [], data: {}, skipReason: "no service named for this run" };
    const parsed = parseServiceTarget(target);
    // The context validated it already: an unparseable target here is a bug, not a network fault.
    if (!parsed) throw new Error(`service target did not parse: ${target}`);
    const probe = await probeService(parsed, SERVICE_PROBE_OPTIONS, signal);
    const latencyMs =
      probe.failedStage || probe.connectMs === undefined
        ? undefined
        : Math.round((probe.connectMs + (probe.tlsMs ?? 0) + (probe.firstByteMs ?? 0)) * 10) / 10;
    const findings = assessService({
      target,
      ...(probe.failedStage ? { failedStage: probe.failedStage } : {}),
      ...(probe.errorCode ? { errorCode: probe.errorCode } : {}),
      ...(probe.errorMessage ? { errorMessage: probe.errorMessage } : {}),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      ...(probe.http ? { statusCode: probe.http.statusCode } : {}),
      ...(probe.http?.redirectLocation ? { redirectLocation: probe.http.redirectLocation } : {}),
    });
    const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
    return { status, findings, data: { target, probe } };
  },
});
