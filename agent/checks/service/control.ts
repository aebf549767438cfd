// Control probes of the service check, each changing one factor (the host): TCP connects to the
// service's own port on known-good hosts and on the gateway, so "this service is down" is told from
// "this port does not get out of here" (a local firewall, a filter on the way); and TLS handshakes with
// the known-good hosts, so "this service's certificate is bad" is told from "something here intercepts
// TLS" (the same untrusted issuer everywhere). The verdict weighs them; this only measures.
import { once } from "node:events";
import net from "node:net";
import tls from "node:tls";
import type { ServiceControl, ServiceControlTarget, ServiceProbe, ServiceTlsControlTarget } from "../../../shared/checks.js";
import { resolveHost } from "../../system/resolve-host.js";
import { probeTcp } from "../gateway/tcp-probe.js";
import { isUntrustedCertCode, peerCert, sniFor, trustOptions, verifyFailure } from "./tls-verify.js";

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

export interface TlsControlOptions {
  /** Name lookup + connect + handshake, per host. */
  timeoutMs: number;
  /** The service probe's trust store addition (ProbeOptions.caPem): the control must trust exactly what the service was judged by. */
  caPem?: string;
  /** Like ProbeOptions: name resolution of a named control host. */
  dnsAttemptMs: number;
  dnsTries: number;
  dnsServers?: readonly string[];
}

/** Pure: a finished probe calls for TLS controls when its certificate's issuer was not trusted. */
export function needsTlsControl(p: Pick<ServiceProbe, "failedStage" | "errorCode">): boolean {
  return p.failedStage === "tls" && isUntrustedCertCode(p.errorCode);
}

/** One TLS handshake per host, all at once; never rejects (a failed handshake is data). */
export function tlsControls(hosts: readonly { host: string; port: number }[], o: TlsControlOptions, signal: AbortSignal): Promise<ServiceTlsControlTarget[]> {
  return Promise.all(hosts.map(({ host, port }) => tlsHandshake(host, port, o, signal)));
}

/** Connect and shake hands, read the certificate, verify it, close: no application byte is sent. */
async function tlsHandshake(host: string, port: number, o: TlsControlOptions, signal: AbortSignal): Promise<ServiceTlsControlTarget> {
  const t0 = performance.now();
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), o.timeoutMs);
  const onAbort = () => ac.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  const base = { host, port };
  let sock: net.Socket | undefined;
  try {
    let address = host;
    if (!net.isIP(host)) {
      // Cancellable resolution (not dns.lookup, which would outlive the check: issue 9 item 7).
      const found = await resolveHost(host, { attemptMs: o.dnsAttemptMs, tries: o.dnsTries, deadlineMs: o.timeoutMs, signal: ac.signal, ...(o.dnsServers ? { servers: o.dnsServers } : {}) });
      if (!found.ok || !found.addresses[0]) return { ...base, tls: "no_connect", errorCode: found.ok ? "ENOTFOUND" : found.code };
      address = found.addresses[0];
    }
    const tcp = net.connect({ host: address, port });
    sock = tcp;
    tcp.on("error", ignore);
    const connected = await settle(once(tcp, "connect", { signal: ac.signal }));
    if (connected !== true) return { ...base, tls: "no_connect", errorCode: ac.signal.aborted ? abortCode(signal, "CONNECT_TIMEOUT") : connected };
    const tlsSock = tls.connect({ socket: tcp, ...sniFor(host), ALPNProtocols: ["http/1.1"], ...trustOptions(o.caPem) });
    tlsSock.on("error", ignore);
    const shook = await settle(once(tlsSock, "secureConnect", { signal: ac.signal }));
    if (shook !== true) return { ...base, tls: "other_error", errorCode: ac.signal.aborted ? abortCode(signal, "TLS_TIMEOUT") : shook };
    const cert = peerCert(tlsSock);
    const found = { ...base, ...(cert.peerSubject ? { peerSubject: cert.peerSubject } : {}), ...(cert.peerIssuer ? { peerIssuer: cert.peerIssuer } : {}), ...(cert.peerIssuerDn ? { peerIssuerDn: cert.peerIssuerDn } : {}), handshakeMs: Math.round((performance.now() - t0) * 10) / 10 };
    const failed = verifyFailure(tlsSock, host);
    if (!failed) return { ...found, tls: "ok" };
    return { ...found, tls: isUntrustedCertCode(failed.code) ? "untrusted" : "other_error", errorCode: failed.code.slice(0, 100) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    // Destroying the TCP socket also tears down the TLS socket layered on it.
    sock?.destroy();
  }
}

/** true when `p` resolved; otherwise the error's code (errno, OpenSSL code), "EUNKNOWN" without one. */
async function settle(p: Promise<unknown>): Promise<true | string> {
  try {
    await p;
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return typeof code === "string" ? code.slice(0, 100) : "EUNKNOWN";
  }
}

/** Our deadline ran out (`timeoutCode`), or the check itself was cancelled (ABORTED). */
function abortCode(outer: AbortSignal, timeoutCode: string): string {
  return outer.aborted ? "ABORTED" : timeoutCode;
}

function ignore(): void {}
