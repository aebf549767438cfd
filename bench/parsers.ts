// Bench 5: the pure parsers on captured real input. parsePingOutput over every test/fixtures/ping
// capture and the DHCP codec over every test/fixtures/dhcp packet, against JSON.parse (JSON.stringify
// for encoding) of JSON strings of the same sizes: "how many times slower than the cheapest structured
// parse of the same amount of input". And the collector's agent-frame parse with and without the
// bounded-JSON shape scan.
import { encodeDhcpMessage, parseDhcpMessage, type DhcpMessage } from "../agent/checks/dhcp/packet.js";
import { parsePingOutput } from "../agent/probes/parse-ping.js";
import { parseBoundedJson } from "../shared/bounded-json.js";
import { AgentFrame } from "../shared/protocol.js";
import { opsPerSecond, paired, type BenchRow } from "./report.js";
import { dhcpPackets, pathStep, pingFixtures } from "./steps.js";

/** A JSON text of exactly `bytes` characters (an object of realistic fields plus padding). */
function jsonOfSize(sample: unknown, bytes: number): string {
  const text = JSON.stringify({ sample, pad: "" }, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString("hex") : v));
  const short = bytes - text.length;
  return short > 0 ? JSON.stringify({ sample, pad: "x".repeat(short) }, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString("hex") : v)) : text;
}

/** Cycles through the inputs, one per call. */
function cycle<T>(items: readonly T[], fn: (x: T) => unknown): () => unknown {
  let i = 0;
  return () => fn(items[i++ % items.length]!);
}

export async function parsersBench(quick: boolean): Promise<BenchRow[]> {
  // Per round and side; three paired rounds each (report.ts paired()).
  const minMs = quick ? 100 : 500;
  const pings = pingFixtures();
  const pingJson = pings.map((p) => jsonOfSize(parsePingOutput(p.stdout, p.stderr, p.exitCode, p.sent), p.stdout.length + p.stderr.length));
  const pingAvg = Math.round(pings.reduce((n, p) => n + p.stdout.length + p.stderr.length, 0) / pings.length);

  const packets = dhcpPackets();
  const messages: DhcpMessage[] = packets.map((p) => {
    const r = parseDhcpMessage(p.bytes);
    if (!r.ok) throw new Error(`fixture ${p.name} does not parse: ${r.error}`);
    return r.message;
  });
  const dhcpJson = packets.map((p, i) => jsonOfSize(messages[i], p.bytes.length));
  const dhcpObjects = dhcpJson.map((j) => JSON.parse(j) as unknown);
  const dhcpAvg = Math.round(packets.reduce((n, p) => n + p.bytes.length, 0) / packets.length);

  const rate = (fn: () => unknown, base: () => unknown) => paired(() => opsPerSecond(fn, minMs), () => opsPerSecond(base, minMs));
  const ping = await rate(cycle(pings, (p) => parsePingOutput(p.stdout, p.stderr, p.exitCode, p.sent)), cycle(pingJson, (j) => JSON.parse(j)));
  const parse = await rate(cycle(packets, (p) => parseDhcpMessage(p.bytes)), cycle(dhcpJson, (j) => JSON.parse(j)));
  const encode = await rate(cycle(messages, (m) => encodeDhcpMessage(m)), cycle(dhcpObjects, (o) => JSON.stringify(o)));
  // The collector's frame parse as collector/hub/agent-hub.ts does it (shape scan, then JSON.parse and
  // the zod schema) against the same without the shape scan: the cost of the input limits per frame.
  const frame = JSON.stringify({ type: "step", runId: "run_bench0001", seq: 1, at: Date.now(), result: pathStep() });
  const bounded = await rate(
    () => {
      const j = parseBoundedJson(frame);
      return j.ok && AgentFrame.safeParse(j.value);
    },
    () => AgentFrame.safeParse(JSON.parse(frame)),
  );
  return [
    {
      bench: "parsers",
      metric: `parsePingOutput (${pings.length} captures)`,
      unit: "ops/s",
      ...ping,
      baselineName: "JSON.parse same size",
      better: "higher",
      note: `average input ${pingAvg} B`,
    },
    {
      bench: "parsers",
      metric: `parseDhcpMessage (${packets.length} packets)`,
      unit: "ops/s",
      ...parse,
      baselineName: "JSON.parse same size",
      better: "higher",
      note: `average packet ${dhcpAvg} B`,
    },
    {
      bench: "parsers",
      metric: `encodeDhcpMessage (${packets.length} packets)`,
      unit: "ops/s",
      ...encode,
      baselineName: "JSON.stringify same size",
      better: "higher",
    },
    {
      bench: "parsers",
      metric: "agent frame: bounded JSON + zod",
      unit: "ops/s",
      ...bounded,
      baselineName: "JSON.parse + zod",
      better: "higher",
      note: `a ${frame.length} B path step frame; the ratio is the price of the shape limits`,
    },
  ];
}
