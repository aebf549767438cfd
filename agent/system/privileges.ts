// Whether this process may do what the DHCP probe needs: bind UDP port 68 (root or
// CAP_NET_BIND_SERVICE) or open a packet socket (root or CAP_NET_RAW). Read from the kernel's own
// account of the process (/proc/self/status CapEff), so `setcap` on the node binary counts too.
import { readFileSync } from "node:fs";

/** linux/capability.h bit numbers. */
const CAP_NET_BIND_SERVICE = 10;
const CAP_NET_RAW = 13;

export interface Privileges {
  netBindService: boolean;
  netRaw: boolean;
}

/** Pure: the capabilities named in a /proc/PID/status text; undefined when it has no CapEff line. */
export function parseCapEff(status: string): Privileges | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(status);
  if (!m) return undefined;
  const eff = BigInt(`0x${m[1]}`);
  const has = (bit: number) => (eff & (1n << BigInt(bit))) !== 0n;
  return { netBindService: has(CAP_NET_BIND_SERVICE), netRaw: has(CAP_NET_RAW) };
}

/** True for root, or for a process holding either capability; false when it cannot tell (not Linux). */
export function hasNetworkPrivileges(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    const p = parseCapEff(readFileSync("/proc/self/status", "utf8"));
    return Boolean(p && (p.netBindService || p.netRaw));
  } catch {
    return false;
  }
}
