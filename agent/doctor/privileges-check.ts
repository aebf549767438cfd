// doctor: may this process do what the DHCP probe needs? Root, or CAP_NET_RAW (its packet socket) and
// CAP_NET_BIND_SERVICE (UDP port 68), read from the kernel's account of the process like the probe
// itself does (agent/system/privileges.ts).
import { parseCapEff } from "../system/privileges.js";
import { finding, type DoctorFinding } from "./types.js";

/** Pure: uid and the text of /proc/self/status (undefined where there is none: not Linux). */
export function assessPrivileges(uid: number | undefined, procStatus: string | undefined): DoctorFinding {
  if (uid === 0) return finding("privileges", "ok", "PRIVILEGES_ROOT");
  const caps = procStatus === undefined ? undefined : parseCapEff(procStatus);
  if (caps?.netRaw && caps.netBindService) return finding("privileges", "ok", "PRIVILEGES_CAPS");
  if (caps?.netRaw || caps?.netBindService) return finding("privileges", "warn", "PRIVILEGES_PARTIAL", { missing: caps.netRaw ? "CAP_NET_BIND_SERVICE" : "CAP_NET_RAW" });
  return finding("privileges", "fail", "PRIVILEGES_MISSING");
}
