// service: can the one service the customer names be reached, and where does it fail: name, TCP,
// TLS or HTTP? Runs the probe under the budgets of agent/timeouts.ts and judges the result.
import { parseServiceTarget } from "../../shared/targets.js";
import { TIMEOUTS } from "../timeouts.js";
import { assessService } from "./service/classify.js";
import { probeService, type ProbeOptions } from "./service/probe.js";
import { defineCheck } from "./types.js";

export type { ServiceData } from "../../shared/checks.js";

/**
 * getaddrinfo has no timeout of its own (resolv.conf defaults allow 5 s x 2); 3 s keeps
 * lookup + TIMEOUTS.tcpConnectMs + TIMEOUTS.httpMs (11 s) inside the 12 s check budget, so our own
 * stage timeouts, which say which stage hung, always fire before the runner's.
 */
const SERVICE_LOOKUP_MS = 3000;

export const SERVICE_PROBE_OPTIONS: ProbeOptions = {
  lookupMs: SERVICE_LOOKUP_MS,
  connectMs: TIMEOUTS.tcpConnectMs,
  httpMs: TIMEOUTS.httpMs,
};

export const serviceCheck = defineCheck({
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
