// Target validation: every host the agent will probe passes through here first, so a hostile value
// (`-c`, `;rm -rf /`, `$(…)`) is refused as bad input long before it could reach argv or a socket.
import { z } from "zod";

/** An IPv4 or IPv6 literal, or a DNS hostname (RFC 1123 syntax, no leading dash, max 253 chars). */
export const HostTarget = z
  .string()
  .min(1)
  .max(253)
  .refine((s) => !s.startsWith("-"), { message: "target must not start with '-' (option injection)" })
  .refine(
    (s) =>
      z.ipv4().safeParse(s).success ||
      z.ipv6().safeParse(s).success ||
      z.hostname().safeParse(s).success,
    { message: "target must be an IPv4/IPv6 address or a hostname" },
  );
export type HostTarget = z.infer<typeof HostTarget>;

/**
 * A known-good control host: a HostTarget, or host:PORT / [v6]:PORT to name the port its TLS control
 * handshake uses (default 443; tests point it at loopback servers on port 0). The TCP controls always
 * use the service's own port on the host part.
 */
export const ControlHost = z
  .string()
  .min(1)
  .max(260)
  .refine((s) => parseControlHost(s) !== undefined, { message: "control host must be a host, host:port or [IPv6]:port" });
export type ControlHost = z.infer<typeof ControlHost>;

/** Pure: a control host's host and its explicit port (undefined = the default for the probe). */
export function parseControlHost(s: string): { host: string; port: number | undefined } | undefined {
  if (s.startsWith("-")) return undefined;
  if (HostTarget.safeParse(s).success) return { host: s, port: undefined };
  const p = parseServiceTarget(s);
  return p?.kind === "tcp" ? { host: p.host, port: p.port } : undefined;
}

export const IpTarget = z.union([z.ipv4(), z.ipv6()]);
export type IpTarget = z.infer<typeof IpTarget>;

/** host:port, [v6]:port, or an http(s) URL: what a customer means by "the service that fails". */
export const ServiceTarget = z
  .string()
  .min(1)
  .max(2048)
  .refine((s) => !s.startsWith("-"), { message: "service must not start with '-'" })
  .refine((s) => parseServiceTarget(s) !== undefined, {
    message: "service must be an http(s) URL or host:port",
  });
export type ServiceTarget = z.infer<typeof ServiceTarget>;

export interface ParsedService {
  kind: "http" | "https" | "tcp";
  host: string;
  port: number;
  /** Path for HTTP(S); undefined for plain TCP. */
  path: string | undefined;
  url: string | undefined;
}

/** Pure: splits a service target into its parts; undefined when it is not acceptable. */
export function parseServiceTarget(s: string): ParsedService | undefined {
  if (/^https?:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return undefined;
    }
    const host = u.hostname.replace(/^\[|\]$/g, "");
    if (!HostTarget.safeParse(host).success) return undefined;
    const https = u.protocol === "https:";
    return {
      kind: https ? "https" : "http",
      host,
      port: u.port ? Number(u.port) : https ? 443 : 80,
      path: u.pathname + u.search,
      url: u.toString(),
    };
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const host = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  if (!HostTarget.safeParse(host).success) return undefined;
  return { kind: "tcp", host, port, path: undefined, url: undefined };
}
