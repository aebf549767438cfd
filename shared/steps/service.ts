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
  /**
   * The handshake as it came out: set when it completed, also when the certificate then failed
   * verification (errorCode says why), so an untrusted certificate's issuer is on record.
   * undefined = no handshake completed (or plain http/tcp).
   */
  tls: z
    .strictObject({
      protocol: Str(32).optional(),
      cipher: Str(100).optional(),
      alpn: Str(32).optional(),
      /** The server certificate's subject CN. */
      peerSubject: Str(300).optional(),
      /** Its issuer's CN (for display). */
      peerIssuer: Str(300).optional(),
      /** Its issuer's whole distinguished name, "C=…, O=…, CN=…": what two certificates are compared by. */
      peerIssuerDn: Str(1000).optional(),
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

/** How a TLS handshake with a control host came out (agent/checks/service/tls-verify.ts). */
export const TlsControlResult = z.enum([
  /** The certificate verified (trust store and host name). */
  "ok",
  /** The handshake completed but the issuer is not trusted (UNABLE_TO_GET_ISSUER_CERT_LOCALLY …). */
  "untrusted",
  /** TCP connected but TLS failed otherwise: another verify error (name, expiry), an alert, a reset, TLS_TIMEOUT. */
  "other_error",
  /** No TCP connection (refused, timeout, unreachable). */
  "no_connect",
]);
export type TlsControlResult = z.infer<typeof TlsControlResult>;

/** One TLS handshake with a known-good host, SNI = its name (none for an address), same trust store as the service's. */
export const ServiceTlsControlTarget = z.strictObject({
  /** The host part of the targets.controlHosts entry. */
  host: Addr,
  /** 443, or the port the entry named. */
  port: Port,
  tls: TlsControlResult,
  /** The certificate it presented (as in probe.tls); undefined = no handshake completed. */
  peerSubject: Str(300).optional(),
  peerIssuer: Str(300).optional(),
  peerIssuerDn: Str(1000).optional(),
  /** Verify code (untrusted, other_error), errno or CONNECT_TIMEOUT/TLS_TIMEOUT; undefined for ok. */
  errorCode: Str(100).optional(),
  /** Connect + handshake; undefined = no handshake completed. */
  handshakeMs: Ms.optional(),
});
export type ServiceTlsControlTarget = z.infer<typeof ServiceTlsControlTarget>;

export const ServiceData = z.strictObject({
  /** The target as configured; undefined when none was (then the step is skipped). */
  target: Str(2048).optional(),
  probe: ServiceProbe.optional(),
  /**
   * Control connects to the service's port on targets.controlHosts and the gateway; undefined = not
   * run: the service's connect succeeded, was refused (the host answered), or never started (no address).
   */
  control: ServiceControl.optional(),
  /**
   * TLS handshakes with every targets.controlHosts entry, run only when the service's own handshake
   * failed with a certificate-trust error (probe.errorCode in UNTRUSTED_CERT_CODES): the same untrusted
   * issuer there too means something on this device or network intercepts TLS; a control that verifies
   * means the service's certificate is at fault. undefined = not run (no trust failure).
   */
  tlsControl: List(ServiceTlsControlTarget, 8).optional(),
  /**
   * connect + TLS + first byte (connect alone for tcp) of each probe that completed, in ms, in order.
   * One sample, or two when the first exceeded SERVICE_SLOW_MS and the check probed once more to
   * confirm (SERVICE_SLOW warns only when the slowness held). undefined = the first probe failed.
   */
  latencyMs: List(Ms, 2).optional(),
  /** The confirming second probe (same shape as probe); undefined = not run (the first was not very slow, or failed). */
  recheck: ServiceProbe.optional(),
});
export type ServiceData = z.infer<typeof ServiceData>;
