// Pure parsers for the string values the RouterOS API returns. undefined = absent or unparseable
// (not measured), never a guess.

const UNIT_S: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };

/**
 * RouterOS durations: "1w2d3h4m5s", "9m50s", "0s", also the clock form "1w2d03:04:05" / "00:05:12"
 * (RouterOS 6 prints some durations that way). Fractional parts ("1s500ms") are truncated to seconds.
 */
export function parseRosDurationS(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  const clock = /^((?:\d+[wd])*)(\d{1,2}):(\d{2}):(\d{2})$/.exec(s);
  if (clock) {
    const days = clock[1] ? parseRosDurationS(clock[1]) : 0;
    if (days === undefined) return undefined;
    return days + Number(clock[2]) * 3600 + Number(clock[3]) * 60 + Number(clock[4]);
  }
  if (!/^(?:\d+(?:w|d|h|ms|us|m|s))+$/.test(s)) return undefined;
  let total = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)(ms|us|w|d|h|m|s)/g)) {
    total += Number(n) * (UNIT_S[unit as string] ?? 0); // ms/us: below one second, dropped
  }
  return total;
}

/** Round-trip times: "12ms", "12ms345us" (RouterOS 7), "345us", "1s12ms", plain "12" (ms). */
export function parseRosMs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s);
  if (!/^(?:\d+(?:ms|us|s))+$/.test(s)) return undefined;
  let ms = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)(ms|us|s)/g)) ms += Number(n) * (unit === "s" ? 1000 : unit === "ms" ? 1 : 0.001);
  return Math.round(ms * 1000) / 1000;
}

export function parseRosBool(v: string | undefined): boolean | undefined {
  if (v === "true" || v === "yes") return true;
  if (v === "false" || v === "no") return false;
  return undefined;
}

/** Non-negative integers ("123"); RouterOS never sends thousands separators on the API. */
export function parseRosInt(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}
