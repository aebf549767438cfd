// doctor: the collector this agent was enrolled with answers over the same transport and trust the
// agent's link uses (https with the CA pinned at enrollment, or the system's CAs; plain http only on
// loopback or with --insecure), and what its clock says (the Date header, for clock-check.ts). Only
// GET /healthz of the configured collector is asked; no credential is sent.
import { X509Certificate } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isLoopbackHost } from "../../shared/transport.js";
import type { AgentIdentity } from "../config.js";
import { finding, type DoctorFinding } from "./types.js";

/** A collector on a slow line still answers /healthz within this. */
export const COLLECTOR_TIMEOUT_MS = 8000;

export interface CollectorCheck {
  finding: DoctorFinding;
  /** The collector's Date header, when it answered (also from an answer whose certificate failed). */
  date?: string;
  /** This machine's clock when that answer came. */
  answeredAt?: number;
}

// Node's codes for a certificate it does not trust (openssl's verify errors, and the name check).
const TLS_TRUST = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|ISSUER|SIGNATURE/;

type Answer = { ok: true; status: number; date?: string; at: number } | { ok: false; error: string };

function get(url: URL, o: { ca?: string; verify: boolean; signal: AbortSignal; now: () => number }): Promise<Answer> {
  return new Promise((resolve) => {
    const https = url.protocol === "https:";
    const opts = { method: "GET", timeout: COLLECTOR_TIMEOUT_MS, signal: o.signal, headers: { accept: "application/json" }, ...(https ? { rejectUnauthorized: o.verify, ...(o.ca ? { ca: o.ca } : {}) } : {}) };
    const onRes = (res: IncomingMessage) => {
      const at = o.now();
      res.resume();
      res.on("end", () => resolve({ ok: true, status: res.statusCode ?? 0, at, ...(res.headers.date ? { date: res.headers.date } : {}) }));
      res.on("error", (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
    };
    const req = https ? httpsRequest(url, opts, onRes) : httpRequest(url, opts, onRes);
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
    req.end();
  });
}

export async function checkCollector(identity: AgentIdentity | undefined, o: { now: () => number; signal: AbortSignal }): Promise<CollectorCheck> {
  if (!identity) return { finding: finding("collector", "fail", "NOT_ENROLLED") };
  const base = new URL(identity.collectorUrl);
  base.protocol = base.protocol === "wss:" ? "https:" : base.protocol === "ws:" ? "http:" : base.protocol;
  const url = new URL("/healthz", base);
  const host = base.host;
  const https = url.protocol === "https:";
  const pin = https ? identity.caPem : undefined;
  if (pin) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pin);
    } catch (e) {
      return { finding: finding("collector", "fail", "COLLECTOR_PIN_INVALID", { error: (e as Error).message.slice(0, 200) }) };
    }
    if (Date.parse(cert.validTo) < o.now()) return { finding: finding("collector", "fail", "COLLECTOR_PIN_EXPIRED", { until: new Date(Date.parse(cert.validTo)).toISOString() }) };
  }
  const a = await get(url, { ...(pin ? { ca: pin } : {}), verify: true, signal: o.signal, now: o.now });
  if (!a.ok) {
    if (https && TLS_TRUST.test(a.error)) {
      // Not trusted. Ask once more without verifying, only for the clock: a wrong clock is a common
      // reason a valid certificate looks expired or not yet valid. Nothing else is read from that answer.
      const b = await get(url, { verify: false, signal: o.signal, now: o.now });
      const clock = b.ok && b.date ? { date: b.date, answeredAt: b.at } : {};
      return { finding: finding("collector", "fail", "COLLECTOR_CERT_UNTRUSTED", { host, error: a.error }), ...clock };
    }
    return { finding: finding("collector", "fail", "COLLECTOR_UNREACHABLE", { host, error: a.error }) };
  }
  const clock = a.date ? { date: a.date, answeredAt: a.at } : {};
  if (a.status !== 200) return { finding: finding("collector", "fail", "COLLECTOR_HTTP_ERROR", { host, status: a.status }), ...clock };
  const ok = https
    ? pin ? finding("collector", "ok", "COLLECTOR_PINNED", { host }) : finding("collector", "ok", "COLLECTOR_SYSTEM_CA", { host })
    : isLoopbackHost(base.hostname) ? finding("collector", "ok", "COLLECTOR_LOOPBACK_PLAIN", { host }) : finding("collector", "warn", "COLLECTOR_PLAIN_INSECURE", { host });
  return { finding: ok, ...clock };
}
