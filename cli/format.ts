// Human output of the engineer CLI: one line per step as it lands, the verdict, a run with its steps,
// and a progress line (spinner + count) on a terminal while waiting. Every line is built with `term`
// (shared/terminal-text.ts): names, ticket fields, step data and verdicts come from customers and
// agents, and their control characters are shown escaped, never sent to the terminal.
import type { DeviceState, Run } from "../shared/api.js";
import { CHECK_IDS } from "../shared/checks.js";
import { formatStep, formatVerdict } from "../shared/format.js";
import { indentTerm, joinTerm, term, type TerminalText } from "../shared/terminal-text.js";

export { formatStep, formatVerdict };

const CHECK_ORDER: readonly string[] = CHECK_IDS;

export function formatRun(r: Run, withSteps = true): TerminalText {
  const lines = [term`run ${r.id}  ${r.state}${r.reason ? term` (${r.reason})` : ""}  agent ${r.agentId}  by ${r.requestedBy}  ${new Date(r.createdAt).toISOString()}${r.offline ? "  [offline run]" : ""}`];
  if (withSteps && r.stepsPruned) lines.push(term`  (${r.stepsPruned.steps} step results removed by the retention setting on ${new Date(r.stepsPruned.at).toISOString()}; the verdict is kept)`);
  if (withSteps) for (const s of r.steps) lines.push(term`  ${formatStep(s.result)}`);
  if (withSteps && r.verdict) lines.push(indentTerm(formatVerdict(r.verdict)));
  return joinTerm(lines);
}

/** The one way to print: a TerminalText (built with `term`/`termJson`, control characters escaped). */
export function out(s: TerminalText): void {
  process.stdout.write(s.text + "\n");
}

const SPIN = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A single status line on a TTY, redrawn in place; silent when not a TTY (pipes, CI logs). */
export class Progress {
  private n = 0;
  private frame = 0;
  private state = "requested";
  private readonly timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
    private readonly enabled: boolean,
  ) {
    if (enabled) this.timer = setInterval(() => this.draw(), 100);
  }
  step(): void {
    this.n++;
  }
  setState(s: string): void {
    this.state = s;
  }
  println(line: TerminalText): void {
    if (this.enabled) this.stream.write("\r\x1b[2K");
    process.stdout.write(line.text + "\n");
    this.draw();
  }
  done(): void {
    clearInterval(this.timer);
    if (this.enabled) this.stream.write("\r\x1b[2K");
  }
  private draw(): void {
    if (!this.enabled) return;
    this.frame = (this.frame + 1) % SPIN.length;
    this.stream.write(`\r\x1b[2K${SPIN[this.frame]} ${term`${this.state}: ${this.n}/${this.total} steps`.text}`);
  }
}

/** A few figures a field technician looks for first, read defensively from each check's data. */
function keyFigures(check: string, data: Record<string, unknown>): string {
  // Check data crossed the wire as JSON; read it loosely and print "?" for what is missing.
  const d = data as Record<string, any>;
  switch (check) {
    case "host":
      return `primary ${d.primary ?? "?"}, gateway ${d.gateway ?? "none"}`;
    case "gateway":
      return `${d.gateway ?? "?"} ${d.alive ? "alive" : "not answering"}${d.ping?.AverageResponseTime !== undefined ? `, ${d.ping.AverageResponseTime} ms` : ""}`;
    case "dhcp":
      return d.lease ? `lease ${d.lease.IPAddress ?? "?"} from ${d.lease.DHCPServer ?? "?"}, ${d.lease.LeaseTimeRemaining ?? "?"} s left` : "no lease read";
    case "path": {
      const hop = d.ispHop?.address ? `ISP hop ${d.ispHop.address} ${d.ispHop.ping?.lossPct ?? "?"}% loss` : "ISP hop not found";
      const anchors = (d.anchors ?? []) as { SuccessCount?: number; lossPct?: number }[];
      const reached = anchors.filter((a) => (a.SuccessCount ?? 0) > 0).length;
      return `${hop}, anchors ${reached}/${anchors.length} reachable${d.mtu?.pathMtu ? `, path MTU ${d.mtu.pathMtu}` : ""}`;
    }
    case "snmp":
    case "routeros":
      return (d.devices ?? [])
        .map((x: any) => {
          const wan = x.wan ? `WAN ${x.wan.ifName ?? x.wan.name ?? "?"} ${x.wan.ifOperStatus ?? (x.wan.running === true ? "up" : x.wan.running === false ? "down" : "?")}` : "WAN ?";
          const line = x.vdsl2?.lines?.[0] ?? x.adsl?.lines?.[0];
          return `${x.host}: ${wan}${line?.snrMarginDownDb !== undefined ? `, SNR margin ${line.snrMarginDownDb}/${line.snrMarginUpDb ?? "?"} dB` : ""}`;
        })
        .join("; ");
    default:
      return "";
  }
}

export function formatDeviceState(s: DeviceState): TerminalText {
  const lines = [term`device ${s.agent.id} (${s.agent.name})  ${s.agent.connected ? "online" : "offline"}${s.agent.ticketId ? term`  ticket ${s.agent.ticketId}` : ""}`];
  lines.push(term`latest measured state:`);
  // In isolation-chain order, as the engineer reads a diagnosis.
  const ordered = Object.entries(s.latest).sort(([a], [b]) => CHECK_ORDER.indexOf(a) - CHECK_ORDER.indexOf(b));
  for (const [check, st] of ordered) {
    const codes = st.findings.filter((f) => f.severity !== "info").map((f) => f.code).join(", ");
    const figures = keyFigures(check, st.data);
    lines.push(term`  ${check.padEnd(9)} ${st.status.padEnd(5)} ${new Date(st.at).toISOString()}${figures ? term`  ${figures}` : ""}${codes ? term`  [${codes}]` : ""}`);
  }
  lines.push(s.lastGoodRunId ? term`changes since the last good run ${s.lastGoodRunId}:` : term`no good run on record to compare with`);
  for (const c of s.changes) lines.push(term`  ${c.check.padEnd(9)} ${c.kind.padEnd(8)} ${c.detail}`);
  if (s.lastGoodRunId && s.changes.length === 0) lines.push(term`  none`);
  lines.push(term`runs (newest first):`);
  for (const r of s.runs) lines.push(term`  ${r.id}  ${new Date(r.createdAt).toISOString()}  ${r.state.padEnd(10)} ${r.verdict ? `${r.verdict.segment}/${r.verdict.cause}` : "-"}${r.offline ? "  [offline]" : ""}`);
  return joinTerm(lines);
}
