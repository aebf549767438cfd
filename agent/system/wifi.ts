// Wi-Fi link state from `iw dev IF link` (nl80211; wireless-tools' iwconfig is deprecated). A missing
// `iw` or an unreadable link means "not measured", never a weak signal.
import type { Spawner } from "./spawn.js";
import type { WifiInfo } from "./system-view.js";

/** `iw dev IF link` answers from the kernel at once; 2 s only guards against a wedged driver. */
const IW_TIMEOUT_MS = 2000;

/**
 * Pure: `iw dev IF link` text to a WifiInfo. "Not connected." gives an entry without SSID or signal
 * (associated to nothing). undefined when the text is not iw link output at all.
 */
export function parseIwLink(iface: string, stdout: string): WifiInfo | undefined {
  if (/^Not connected\./m.test(stdout)) return { iface };
  if (!/^Connected to /m.test(stdout)) return undefined;
  const info: WifiInfo = { iface };
  const ssid = /^\s+SSID: (.*)$/m.exec(stdout);
  if (ssid?.[1] !== undefined) info.ssid = ssid[1];
  const signal = /^\s+signal: (-?\d+) dBm/m.exec(stdout);
  if (signal?.[1] !== undefined) {
    info.signalDbm = Number(signal[1]);
    info.quality = dbmToQuality(info.signalDbm);
  }
  return info;
}

/**
 * dBm to a 0..100 quality, the linear scale Windows' WLAN API uses (-100 dBm = 0, -50 dBm = 100),
 * so "below 30/100 is weak" (DOMAIN.md §3) means below about -85 dBm.
 */
export function dbmToQuality(dbm: number): number {
  return Math.max(0, Math.min(100, Math.round(2 * (dbm + 100))));
}

/**
 * Reads the link of each wireless interface. Interfaces where `iw` is missing or fails are left out
 * (not measured); an empty list means nothing was measured.
 */
export async function readWifi(spawn: Spawner, ifaces: readonly string[], signal: AbortSignal): Promise<WifiInfo[]> {
  const out: WifiInfo[] = [];
  for (const iface of ifaces) {
    const r = await spawn("iw", ["dev", iface, "link"], { signal, timeoutMs: IW_TIMEOUT_MS });
    if (r.spawnError || r.code !== 0) continue;
    const info = parseIwLink(iface, r.stdout);
    if (info) out.push(info);
  }
  return out;
}
