// Child process of the idle-connection memory bench (bench/memory.ts): runs either the real collector
// or a bare ws server alone in its own process, so its RSS is only the server's. Talks to the parent
// over IPC: "ready" (url, agent credentials, memory before), then answers each "measure" after gc().
// Run only by bench/memory.ts: node --expose-gc dist/bench/memory-child.js collector|bare COUNT
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { memorySample, type MemorySample } from "./memory-sample.js";
import { startSeededCollector, type SeededAgent } from "./seed.js";

export type { MemorySample };

export type ChildMessage = { type: "ready"; url: string; agents: SeededAgent[]; before: MemorySample } | { type: "sample"; sample: MemorySample };

/** How long the child waits for the server to count every connection the parent opened. */
const SETTLE_DEADLINE_MS = 30_000;


async function main(): Promise<void> {
  const mode = process.argv[2];
  const count = Number(process.argv[3]);
  if ((mode !== "collector" && mode !== "bare") || !Number.isInteger(count) || count < 1) throw new Error("usage: memory-child collector|bare COUNT");
  const send = (m: ChildMessage) => process.send!(m);
  let connected: () => number;
  let close: () => Promise<void>;
  let url: string;
  let agents: SeededAgent[] = [];
  if (mode === "collector") {
    const s = await startSeededCollector(count);
    agents = s.agents;
    connected = () => s.collector.hub.connectedCount();
    url = s.collector.url;
    close = s.close;
  } else {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => wss.once("listening", () => r()));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    connected = () => wss.clients.size;
    close = () => new Promise<void>((r) => wss.close(() => r()));
  }
  process.on("message", (msg: { type: string; expect?: number }) => {
    if (msg.type === "measure") {
      const want = msg.expect ?? 0;
      const started = Date.now();
      // The parent saw its sockets open; the server may still be attaching the last few.
      const poll = () => {
        if (connected() >= want || Date.now() - started > SETTLE_DEADLINE_MS) send({ type: "sample", sample: memorySample(connected()) });
        else setTimeout(poll, 20);
      };
      poll();
    } else if (msg.type === "stop") {
      void close().finally(() => process.exit(0));
    }
  });
  send({ type: "ready", url, agents, before: memorySample(0) });
}

await main();
