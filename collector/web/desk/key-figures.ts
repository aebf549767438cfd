// The few figures that say what a step found, one short line each ("10.77.0.1 · loss 0% · 1.2 ms"):
// shown in the ticket page's step table and, for a live run, built in the browser by desk-live.js
// from each streamed step. ONE function for both: it uses nothing outside its own body (no imports at
// run time, no module-level helpers), so collector/web/static/desk-live.ts ships its source text as
// is. Stored steps may come from older agents (shared/steps/stored.ts): every field is read defensively.

/** The labels the figures use, in the page's language (shared/i18n/desk.ts "desk.fig.*"). */
export interface FigureLabels {
  loss: string;
  avg: string;
  gateway: string;
  offers: string;
  configured: string;
  public: string;
  failingNames: string;
  ispHop: string;
  anchors: string;
  mtu: string;
  wan: string;
  snr: string;
}

/** What a step looks like to a reader that trusts nothing (stored rows, the live stream). */
export interface LooseStep {
  check: string;
  status: string;
  durationMs?: number;
  findings?: readonly { code: string; severity: string }[];
  skipReason?: string;
  error?: { code: string; message: string };
  data?: unknown;
}

export function keyFigures(step: LooseStep, L: FigureLabels): string[] {
  type O = Record<string, unknown>;
  const obj = (x: unknown): O => (x !== null && typeof x === "object" && !Array.isArray(x) ? (x as O) : {});
  const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
  const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
  const str = (x: unknown): string | undefined => (typeof x === "string" && x !== "" ? x : undefined);
  const ms = (x: unknown): string | undefined => {
    const n = num(x);
    return n === undefined ? undefined : `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
  };
  const ping = (p: O): string[] => {
    const out: string[] = [];
    const loss = num(p.lossPct);
    if (loss !== undefined) out.push(`${L.loss} ${Math.round(loss)}%`);
    const avg = ms(p.AverageResponseTime);
    if (avg) out.push(`${L.avg} ${avg}`);
    return out;
  };
  const join = (parts: (string | undefined)[]): string => parts.filter((x): x is string => x !== undefined && x !== "").join(" · ");

  const out: string[] = [];
  const d = obj(step.data);
  if (step.status === "skipped") {
    if (step.skipReason) out.push(step.skipReason);
  } else if (step.status === "error" || step.status === "timeout") {
    if (step.error) out.push(`${step.error.code}: ${step.error.message}`);
  } else {
    switch (step.check) {
      case "host": {
        const primary = str(d.primary);
        const iface = obj(arr(d.interfaces).find((i) => obj(i).name === primary));
        const addr = obj(arr(iface.ipv4)[0]);
        out.push(join([primary, str(addr.address) ? `${str(addr.address)}/${num(addr.prefixLength) ?? "?"}` : undefined, str(d.gateway) ? `${L.gateway} ${str(d.gateway)}` : undefined]));
        const wifi = obj(arr(d.wifi)[0]);
        if (num(wifi.quality) !== undefined) out.push(`Wi-Fi ${num(wifi.quality)}/100`);
        break;
      }
      case "gateway":
        out.push(join([str(d.gateway), ...ping(obj(d.ping)), arr(d.answeredBy).length ? arr(d.answeredBy).join("+") : undefined]));
        break;
      case "dhcp": {
        const probe = obj(d.probe);
        const lease = obj(d.lease);
        out.push(join([str(d.interface), d.probe !== undefined ? `${L.offers} ${arr(probe.offers).length}` : undefined, arr(probe.servers).length ? arr(probe.servers).join(", ") : undefined, str(lease.IPAddress)]));
        break;
      }
      case "dns": {
        const s = obj(d.summary);
        const failing = arr(s.namesFailingEverywhere).length;
        out.push(join([str(s.configured) ? `${L.configured} ${str(s.configured)}` : undefined, str(s.public) ? `${L.public} ${str(s.public)}` : undefined, failing ? `${L.failingNames} ${failing}` : undefined]));
        break;
      }
      case "ping":
        for (const t of arr(d.targets).slice(0, 3)) out.push(join([str(obj(t).Host), ...ping(obj(t))]));
        break;
      case "path": {
        const hop = obj(d.ispHop);
        if (str(hop.address)) out.push(join([`${L.ispHop} ${str(hop.address)}`, ...ping(obj(hop.ping))]));
        const anchors = arr(d.anchors).map(obj);
        if (anchors.length) {
          const loss = anchors.map((a) => num(a.lossPct) ?? 100);
          const avgs = anchors.map((a) => num(a.AverageResponseTime)).filter((x): x is number => x !== undefined);
          out.push(join([`${L.anchors} ${anchors.length}`, `${L.loss} ${Math.round(loss.reduce((a, b) => a + b, 0) / loss.length)}%`, avgs.length ? `${L.avg} ${ms(avgs.reduce((a, b) => a + b, 0) / avgs.length)}` : undefined]));
        }
        const mtu = num(obj(d.mtu).pathMtu);
        if (mtu !== undefined) out.push(`${L.mtu} ${mtu}`);
        break;
      }
      case "service": {
        const p = obj(d.probe);
        const http = obj(p.http);
        out.push(join([str(d.target), num(http.statusCode) !== undefined ? `HTTP ${num(http.statusCode)}` : undefined, str(p.failedStage) ? `${str(p.failedStage)}: ${str(p.errorCode) ?? "?"}` : undefined, ms(p.totalMs)]));
        break;
      }
      case "snmp":
        for (const dev of arr(d.devices).slice(0, 2).map(obj)) {
          const wan = obj(dev.wan);
          const vdsl = obj(arr(obj(dev.vdsl2).lines)[0]);
          const adsl = obj(arr(obj(dev.adsl).lines)[0]);
          const snr = num(vdsl.snrMarginDownDb) ?? num(adsl.snrMarginDownDb);
          out.push(join([str(dev.host), str(dev.reach) !== "answered" ? str(dev.reach) : undefined, str(wan.ifOperStatus) ? `${L.wan} ${str(wan.ifName) ?? ""} ${str(wan.ifOperStatus)}`.replace("  ", " ") : undefined, snr !== undefined ? `${L.snr} ${snr} dB` : undefined]));
        }
        break;
      case "routeros":
        for (const dev of arr(d.devices).slice(0, 2).map(obj)) {
          const wan = obj(dev.wan);
          out.push(join([str(dev.host), str(obj(dev.error).code), str(wan.name) ? `${L.wan} ${str(wan.name)} ${wan.running === true ? "running" : wan.running === false ? "not running" : ""}`.trim() : undefined]));
        }
        break;
    }
  }
  // Each warn/fail code on its own line: a narrow phone column then breaks between codes, not inside one.
  const codes = (step.findings ?? []).filter((f) => f.severity !== "info").map((f) => f.code);
  for (const c of new Set(codes)) out.push(c);
  return out.filter((x) => x !== "");
}

/** A step status's mark and badge class (console.css: ok / warn / fail / muted); shipped like keyFigures. */
export function stepMark(status: string): { icon: string; kind: string } {
  switch (status) {
    case "ok":
      return { icon: "✔", kind: "ok" };
    case "warn":
      return { icon: "!", kind: "warn" };
    case "fail":
      return { icon: "✘", kind: "fail" };
    case "error":
      return { icon: "E", kind: "fail" };
    case "timeout":
      return { icon: "T", kind: "warn" };
    default:
      // Not "–": a line may break after a dash even before a no-break space (UAX #14 LB12a).
      return { icon: "○", kind: "muted" };
  }
}

/** "41 ms", "1.2 s", "12 s" with a no-break space (a narrow table column never splits it); shipped like keyFigures. */
export function stepDuration(ms: number | undefined): string {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "";
  if (ms < 1000) return Math.round(ms) + "\u00a0ms";
  return (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000))) + "\u00a0s";
}
