// service: can the one service the customer names be reached, and where does it fail: name, TCP,
// TLS or HTTP? Runs the probe under the budgets of agent/timeouts.ts and judges the result.
import type { ServiceControl } from "../../shared/checks.js";
import { parseServiceTarget } from "../../shared/targets.js";
import { TIMEOUTS } from "../timeouts.js";
import { pickGateway } from "./gateway.js";
import { assessService } from "./service/classify.js";
import { connectControls, needsControl } from "./service/control.js";
import { probeService, type ProbeOptions } from "./service/probe.js";
import { defineCheck, type CheckContext } from "./types.js";

export type { ServiceData } from "../../shared/checks.js";

/**
 * A connect still pending this long gets the control connects started beside it: a healthy service
 * answers the SYN well within it (300 ms is the path check's "slow anchor" RTT), so a healthy run sends
 * nothing more, and a failing one learns the controls' answers by the time its own connect gives up
 * (they get tcpConnectMs minus this head start, so both end together).
 */
export const CONTROL_HEAD_START_MS = 300;

export const SERVICE_PROBE_OPTIONS: ProbeOptions = {
  lookupMs: TIMEOUTS.hostLookupMs,
  dnsAttemptMs: TIMEOUTS.dnsQueryMs,
  dnsTries: TIMEOUTS.dnsTries,
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
    const controls = controlRunner(ctx, parsed.port, signal);
    const probe = await probeService(parsed, SERVICE_PROBE_OPTIONS, signal, { onConnectStart: controls.arm, onConnected: controls.cancel });
    let control: ServiceControl | undefined;
    if (needsControl(probe)) control = await controls.result();
    else controls.cancel();
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
    return { status, findings, data: { target, probe, ...(control ? { control } : {}) } };
  },
});

/** Starts the control connects CONTROL_HEAD_START_MS after the service's connect starts, unless it succeeds first. */
function controlRunner(ctx: CheckContext, port: number, signal: AbortSignal) {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ServiceControl> | undefined;
  const start = () => {
    running ??= (async () => {
      const routes = await ctx.system.routes(ac.signal).catch(() => []);
      const gw = pickGateway(routes);
      const hosts = [
        ...ctx.targets.controlHosts.map((host) => ({ host, role: "control" as const })),
        ...(gw ? [{ host: gw.family === 6 && /^fe[89ab]/i.test(gw.gateway) && gw.dev ? `${gw.gateway}%${gw.dev}` : gw.gateway, role: "gateway" as const }] : []),
      ];
      return connectControls(hosts, port, TIMEOUTS.tcpConnectMs - CONTROL_HEAD_START_MS, ac.signal);
    })();
    return running;
  };
  const done = () => {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  };
  return {
    arm: () => {
      timer = setTimeout(start, CONTROL_HEAD_START_MS);
    },
    cancel: () => {
      done();
      ac.abort();
    },
    /** The controls' answers: those already under way, or started now (the connect failed fast). */
    result: async () => {
      clearTimeout(timer);
      try {
        return await start();
      } finally {
        done();
      }
    },
  };
}
