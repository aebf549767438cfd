// The service probe: resolve like an application (hosts file, then the system's DNS), TCP connect,
// TLS handshake, one GET, each stage timed and bounded, on one socket we own so every stage can be
// cancelled and attributed.
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import tls from "node:tls";
import type { ParsedService } from "../../../shared/targets.js";
import type { ServiceProbe, ServiceStage } from "../../../shared/checks.js";
import { resolveHost } from "../../system/resolve-host.js";
import { peerCert, sniFor, trustOptions, verifyFailure } from "./tls-verify.js";

export interface ProbeOptions {
  /** The whole name resolution; past it the queries are cancelled (LOOKUP_TIMEOUT). */
  lookupMs: number;
  /** One DNS attempt and the attempts per query (c-ares). */
  dnsAttemptMs: number;
  dnsTries: number;
  /** DNS servers to ask; undefined = the system's (resolv.conf). Tests point this at loopback stubs. */
  dnsServers?: readonly string[];
  connectMs: number;
  /** TLS handshake plus the HTTP exchange, after connect. */
  httpMs: number;
  /** Extra CA to trust (PEM); undefined = the system's store only. TLS stays strict either way. */
  caPem?: string;
}

export type { ServiceProbe };

/** Caps how much body we read: the status and timing matter, not the page. */
const MAX_BODY_BYTES = 256 * 1024;

class StageError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Moments of the probe a caller may act on (the service check starts its control connects from them). */
export interface ProbeHooks {
  /** The TCP connect to `address` has started. */
  onConnectStart?(address: string): void;
  /** The TCP connect succeeded. */
  onConnected?(): void;
}

/** Never rejects for network faults: every failure becomes failedStage + errorCode in the result. */
export async function probeService(target: ParsedService, opts: ProbeOptions, signal: AbortSignal, hooks: ProbeHooks = {}): Promise<ServiceProbe> {
  const t0 = performance.now();
  const since = (t: number) => Math.round((performance.now() - t) * 10) / 10;
  const out: ServiceProbe = {
    kind: target.kind,
    host: target.host,
    port: target.port,
    ...(target.path !== undefined ? { path: target.path } : {}),
    resolution: net.isIP(target.host) ? "literal" : "dns",
    addresses: [],
  };
  let stage: ServiceStage = "dns";
  let socket: net.Socket | undefined;
  try {
    if (out.resolution === "literal") out.addresses = [target.host];
    else {
      const t = performance.now();
      // Cancellable (not dns.lookup): an aborted or timed-out lookup leaves no query behind.
      const found = await resolveHost(target.host, {
        attemptMs: opts.dnsAttemptMs,
        tries: opts.dnsTries,
        deadlineMs: opts.lookupMs,
        signal,
        ...(opts.dnsServers ? { servers: opts.dnsServers } : {}),
      });
      if (!found.ok) throw new StageError(found.code, found.message);
      out.resolution = found.source;
      out.addresses = found.addresses;
      out.dnsMs = since(t);
    }
    const address = out.addresses[0];
    if (!address) throw new StageError("ENOTFOUND", "no address");
    out.addressUsed = address;

    stage = "connect";
    let t = performance.now();
    socket = net.connect({ host: address, port: target.port });
    hooks.onConnectStart?.(address);
    // Each stage awaits errors through once(); these keep a late error (after its stage) from
    // becoming an uncaught 'error' event that would crash the agent.
    socket.on("error", ignore);
    await bounded(once(socket, "connect"), opts.connectMs, "CONNECT_TIMEOUT", signal);
    out.connectMs = since(t);
    hooks.onConnected?.();
    if (target.kind === "tcp") return out;

    const deadline = performance.now() + opts.httpMs;
    const left = () => Math.max(1, deadline - performance.now());
    let conn: net.Socket = socket;
    if (target.kind === "https") {
      stage = "tls";
      t = performance.now();
      const tlsSock = tls.connect({
        socket,
        ...sniFor(target.host),
        ALPNProtocols: ["http/1.1"],
        ...trustOptions(opts.caPem),
      });
      tlsSock.on("error", ignore);
      conn = tlsSock;
      await bounded(once(tlsSock, "secureConnect"), left(), "TLS_TIMEOUT", signal);
      out.tlsMs = since(t);
      out.tls = {
        ...optional("protocol", tlsSock.getProtocol() ?? undefined),
        ...optional("cipher", tlsSock.getCipher()?.name),
        ...optional("alpn", typeof tlsSock.alpnProtocol === "string" ? tlsSock.alpnProtocol : undefined),
        ...peerCert(tlsSock),
      };
      // Strict: a certificate that did not verify ends the probe here, before a byte of HTTP is sent.
      const failed = verifyFailure(tlsSock, target.host);
      if (failed) throw new StageError(failed.code, failed.message);
    }

    stage = "http";
    t = performance.now();
    const hostHeader = net.isIPv6(target.host) ? `[${target.host}]` : target.host;
    const defaultPort = target.kind === "https" ? 443 : 80;
    const req = http.request({
      createConnection: () => conn,
      method: "GET",
      path: target.path ?? "/",
      // Redirects are reported, never followed: the customer's URL is what we judge.
      headers: { host: target.port === defaultPort ? hostHeader : `${hostHeader}:${target.port}`, "user-agent": "netdiag-agent", accept: "*/*", connection: "close" },
    });
    req.on("error", ignore);
    req.end();
    const [res] = (await bounded(once(req, "response"), left(), "RESPONSE_TIMEOUT", signal)) as [http.IncomingMessage];
    out.firstByteMs = since(t);
    const location = res.headers.location;
    out.http = { statusCode: res.statusCode ?? 0, ...(location ? { redirectLocation: location } : {}), bodyBytes: 0 };
    const httpData = out.http;
    await bounded(
      (async () => {
        for await (const chunk of res) {
          httpData.bodyBytes += (chunk as Buffer).length;
          if (httpData.bodyBytes >= MAX_BODY_BYTES) break;
        }
      })(),
      left(),
      "RESPONSE_TIMEOUT",
      signal,
    );
    return out;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    out.failedStage = stage;
    out.errorCode = typeof err.code === "string" ? err.code : signal.aborted ? "ABORTED" : "EUNKNOWN";
    out.errorMessage = err.message.slice(0, 300);
    return out;
  } finally {
    out.totalMs = since(t0);
    // Destroying the TCP socket also tears down the TLS socket and request layered on it.
    socket?.destroy();
  }
}

/** Waits for `p`, failing with StageError(code) after `ms` or when the signal aborts. */
async function bounded<T>(p: Promise<T>, ms: number, code: string, signal: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StageError(code, `no progress within ${Math.round(ms)} ms`)), ms);
    onAbort = () => reject(new StageError("ABORTED", "check cancelled"));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  p.catch(() => undefined); // a late rejection after the limit won must not go unhandled
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

function optional<K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, V>);
}

function ignore(): void {}
