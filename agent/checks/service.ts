// service: can the one service the customer names be reached, and where does it fail: name, TCP,
// TLS or HTTP? Runs the probe under the budgets of agent/timeouts.ts and judges the result.
import type { ServiceControl, ServiceProbe, ServiceTlsControlTarget } from "../../shared/checks.js";
import { parseControlHost, parseServiceTarget, type ParsedService } from "../../shared/targets.js";
import { TIMEOUTS } from "../timeouts.js";
import { pickGateway } from "./gateway.js";
import { assessService, needsSlowRecheck } from "./service/classify.js";
import { connectControls, needsControl, needsTlsControl, tlsControls } from "./service/control.js";
import { probeService, type ProbeOptions } from "./service/probe.js";
import { defineCheck, type CheckContext, type CheckOutcome } from "./types.js";

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
  run: (ctx, signal) => runServiceCheck(ctx, signal, SERVICE_PROBE_OPTIONS),
});

/**
 * The check with its probe options as a parameter: the registered check passes SERVICE_PROBE_OPTIONS;
 * tests add a CA (caPem) or DNS stubs. Extra measurements run only when the first probe calls for
 * them: control connects (connect failed without a RST), TLS controls (certificate not trusted), a
 * second probe (very slow answer), each within what is left of the check's budget.
 */
export async function runServiceCheck(ctx: CheckContext, signal: AbortSignal, opts: ProbeOptions): Promise<CheckOutcome<"service">> {
  const deadline = performance.now() + TIMEOUTS.check.service - TIMEOUTS.serviceReserveMs;
  const left = () => Math.floor(deadline - performance.now());
  const target = ctx.targets.service;
  if (!target) return { status: "skipped", findings: [], data: {}, skipReason: "no service named for this run" };
  const parsed = parseServiceTarget(target);
  // The context validated it already: an unparseable target here is a bug, not a network fault.
  if (!parsed) throw new Error(`service target did not parse: ${target}`);
  const controlHosts = ctx.targets.controlHosts.map((h) => {
    const c = parseControlHost(h);
    if (!c) throw new Error(`control host did not parse: ${h}`);
    return c;
  });
  const controls = controlRunner(ctx, controlHosts.map((c) => c.host), parsed.port, signal);
  const probe = await probeService(parsed, opts, signal, { onConnectStart: controls.arm, onConnected: controls.cancel });
  let control: ServiceControl | undefined;
  if (needsControl(probe)) control = await controls.result();
  else controls.cancel();
  let tlsControl: ServiceTlsControlTarget[] | undefined;
  if (needsTlsControl(probe) && controlHosts.length && left() > 0) {
    tlsControl = await tlsControls(
      controlHosts.map((c) => ({ host: c.host, port: c.port ?? 443 })),
      { timeoutMs: Math.min(TIMEOUTS.tlsControlMs, left()), dnsAttemptMs: opts.dnsAttemptMs, dnsTries: opts.dnsTries, ...(opts.caPem ? { caPem: opts.caPem } : {}), ...(opts.dnsServers ? { dnsServers: opts.dnsServers } : {}) },
      signal,
    );
  }
  const first = latencyOf(probe);
  let recheck: ServiceProbe | undefined;
  if (needsSlowRecheck(first) && left() > 0) recheck = await probeWithin(parsed, opts, left(), signal);
  const second = recheck ? latencyOf(recheck) : undefined;
  const findings = assessService({
    target,
    ...(probe.failedStage ? { failedStage: probe.failedStage } : {}),
    ...(probe.errorCode ? { errorCode: probe.errorCode } : {}),
    ...(probe.errorMessage ? { errorMessage: probe.errorMessage } : {}),
    ...(first !== undefined ? { latencyMs: first } : {}),
    ...(recheck
      ? {
          recheck: {
            ...(second !== undefined ? { latencyMs: second } : {}),
            ...(recheck.failedStage ? { failedStage: recheck.failedStage } : {}),
            ...(recheck.errorCode ? { errorCode: recheck.errorCode } : {}),
            ...(recheck.totalMs !== undefined ? { totalMs: recheck.totalMs } : {}),
          },
        }
      : {}),
    ...(probe.http ? { statusCode: probe.http.statusCode } : {}),
    ...(probe.http?.redirectLocation ? { redirectLocation: probe.http.redirectLocation } : {}),
  });
  const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
  const latencyMs = [first, second].filter((x): x is number => x !== undefined);
  return {
    status,
    findings,
    data: { target, probe, ...(control ? { control } : {}), ...(tlsControl ? { tlsControl } : {}), ...(latencyMs.length ? { latencyMs } : {}), ...(recheck ? { recheck } : {}) },
  };
}

/** connect + TLS + first byte of a probe that completed (connect alone for tcp); undefined when it failed. */
function latencyOf(p: ServiceProbe): number | undefined {
  if (p.failedStage || p.connectMs === undefined) return undefined;
  return Math.round((p.connectMs + (p.tlsMs ?? 0) + (p.firstByteMs ?? 0)) * 10) / 10;
}

/** A second full probe that ends within `ms`: every stage bounded by it, and the whole cancelled past it. */
async function probeWithin(target: ParsedService, opts: ProbeOptions, ms: number, signal: AbortSignal): Promise<ServiceProbe> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  const onAbort = () => ac.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const within = { ...opts, lookupMs: Math.min(opts.lookupMs, ms), connectMs: Math.min(opts.connectMs, ms), httpMs: Math.min(opts.httpMs, ms) };
    return await probeService(target, within, ac.signal);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

/** Starts the control connects CONTROL_HEAD_START_MS after the service's connect starts, unless it succeeds first. */
function controlRunner(ctx: CheckContext, controlHosts: readonly string[], port: number, signal: AbortSignal) {
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
        ...controlHosts.map((host) => ({ host, role: "control" as const })),
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
