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
