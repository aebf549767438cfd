// Small IPv4 arithmetic for the host and gateway checks: subnet membership and link-local detection.

/** Dotted quad to an unsigned 32-bit number; undefined when the text is not an IPv4 literal. */
export function ipv4ToNumber(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Whether `address` lies inside `network/prefixLength`. */
export function inSubnetV4(address: string, network: string, prefixLength: number): boolean {
  const a = ipv4ToNumber(address);
  const n = ipv4ToNumber(network);
  if (a === undefined || n === undefined || prefixLength < 0 || prefixLength > 32) return false;
  if (prefixLength === 0) return true;
  const size = 2 ** (32 - prefixLength);
  return Math.floor(a / size) === Math.floor(n / size);
}

/** 169.254.0.0/16 (RFC 3927): what an OS assigns itself when DHCP got no answer. */
export function isApipa(address: string): boolean {
  return inSubnetV4(address, "169.254.0.0", 16);
}
