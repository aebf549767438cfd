// Step data of the `service` check: the one service the customer names, stage by stage (name lookup,
// TCP connect, TLS, HTTP). Produced by agent/checks/service.ts and agent/checks/service/probe.ts.
import { z } from "zod";
import { Addr, List, Ms, Str } from "./common.js";
import { TcpProbeResult } from "./gateway.js";

export const ServiceFindingCode = z.enum([
  "SERVICE_OK",
  "SERVICE_DNS_FAILED",
  "SERVICE_REFUSED",
  "SERVICE_RESET",
  "SERVICE_TIMEOUT",
  "SERVICE_TLS_ERROR",
  "SERVICE_LOCAL_BLOCKED",
  "SERVICE_UNREACHABLE",
  "SERVICE_HTTP_ERROR",
  "SERVICE_HTTP_CLIENT_ERROR",
  "SERVICE_REDIRECT",
  "SERVICE_SLOW",
  "SERVICE_FAILED",
]);
export type ServiceFindingCode = z.infer<typeof ServiceFindingCode>;

export const ServiceStage = z.enum(["dns", "connect", "tls", "http"]);
export type ServiceStage = z.infer<typeof ServiceStage>;

const Port = z.number().int().min(1).max(65535);

export const ServiceProbe = z.strictObject({
  kind: z.enum(["http", "https", "tcp"]),
  host: Addr,
  port: Port,
  /** HTTP path; undefined for plain TCP. */
  path: Str(2048).optional(),
  /**
   * How the host was resolved, as an application would (agent/system/resolve-host.ts): hosts = the
   * hosts file (or RFC 6761 localhost), dns = the system's DNS servers (also when that failed: the
   * hosts file had no entry), literal = the host was an IP.
   */
  resolution: z.enum(["hosts", "dns", "literal"]),
  /** Addresses found, IPv4 first; empty when resolution failed. */
  addresses: List(Addr, 64),
  /** The one address connected to (the first; no happy-eyeballs fallback, so the failure is attributable). */
  addressUsed: Addr.optional(),
  /** Stage that failed; undefined when every stage succeeded. */
  failedStage: ServiceStage.optional(),
  /** errno (ECONNREFUSED…), OpenSSL code (DEPTH_ZERO_SELF_SIGNED_CERT, ERR_SSL_…) or ours (CONNECT_TIMEOUT…). */
  errorCode: Str(100).optional(),
  errorMessage: Str(300).optional(),
  /** Stage durations in ms; undefined = the stage did not run or did not finish. */
  dnsMs: Ms.optional(),
  connectMs: Ms.optional(),
  tlsMs: Ms.optional(),
  /** Request written → response headers received. */
  firstByteMs: Ms.optional(),
  /** Start of the probe → end of the body (or of the last stage that ran). */
  totalMs: Ms.optional(),
  tls: z
    .strictObject({
      protocol: Str(32).optional(),
      cipher: Str(100).optional(),
      alpn: Str(32).optional(),
      peerSubject: Str(300).optional(),
      peerIssuer: Str(300).optional(),
      validTo: Str(64).optional(),
    })
    .optional(),
  http: z.strictObject({ statusCode: z.number().int().min(0).max(999), redirectLocation: Str(2048).optional(), bodyBytes: z.number().int().nonnegative() }).optional(),
});
export type ServiceProbe = z.infer<typeof ServiceProbe>;

/** One TCP connect to the service's port on another host (agent/checks/service/control.ts). */
export const ServiceControlTarget = z.strictObject({
  host: Addr,
  /** control: a known-good host from targets.controlHosts; gateway: the default gateway. */
  role: z.enum(["control", "gateway"]),
  /** open (SYN-ACK) or refused (RST): the answer came back, so TCP to this port leaves the device and
   * returns; timeout: nothing came back; error: errorCode says (EHOSTUNREACH, EPERM …). */
  result: TcpProbeResult,
  connectMs: Ms.optional(),
  errorCode: Str(64).optional(),
});
export type ServiceControlTarget = z.infer<typeof ServiceControlTarget>;

/** The same port on other hosts, asked when the service's own TCP connect failed (not with a RST). */
export const ServiceControl = z.strictObject({
  port: Port,
  targets: List(ServiceControlTarget, 8),
});
export type ServiceControl = z.infer<typeof ServiceControl>;

export const ServiceData = z.strictObject({
  /** The target as configured; undefined when none was (then the step is skipped). */
  target: Str(2048).optional(),
  probe: ServiceProbe.optional(),
  /**
   * Control connects to the service's port on targets.controlHosts and the gateway; undefined = not
   * run: the service's connect succeeded, was refused (the host answered), or never started (no address).
   */
  control: ServiceControl.optional(),
});
export type ServiceData = z.infer<typeof ServiceData>;
