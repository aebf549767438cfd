// Which collector URLs a client may use: credentials travel over https/wss, plain http/ws only to this
// machine (loopback) or when the user says --insecure deliberately. One rule for the engineer CLI and
// the agent (enroll and its WebSocket link).
import { BlockList, isIP } from "node:net";

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** 127.0.0.0/8, ::1 (also written IPv4-mapped, ::ffff:127.x) or "localhost"; a URL's hostname may keep its brackets. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  const v = isIP(h);
  // BlockList matches an IPv4-mapped IPv6 address against the IPv4 subnet.
  return v !== 0 && LOOPBACK.check(h, v === 6 ? "ipv6" : "ipv4");
}
