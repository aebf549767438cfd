// A slice of the fleet bench's idle agents, in a process of its own (each process has its own
// 20,000 open-file limit, and the clients' CPU stays out of the bench's own process). Each connection
// is either the real agent link (agent/link's CollectorLink: Bearer auth before the upgrade, hello,
// heartbeat watchdog, jittered backoff; a MemoryOutbox, no checks) or a bare ws socket (baseline).
// "cut" drops every link at once (the socket destroyed under the link, as a dead load balancer or a
// flapping uplink does) and reports how the links came back: attempts, refusals, time until all open.
// Run only by the fleet bench: node dist/bench/fleet/clients-child.js
import WebSocket from "ws";
import { CollectorLink } from "../../agent/link/collector-link.js";
import { MemoryOutbox } from "../../agent/link/outbox.js";
import type { Logger } from "../../shared/log.js";
import { openRange } from "../child.js";
import type { SeededAgent } from "../seed.js";
import { timeUntilAllBack } from "./stats.js";

export type ClientsRequest =
  | { type: "open"; url: string; agents?: SeededAgent[]; count: number }
  | { type: "cut"; deadlineMs: number }
  | { type: "stop" };

export interface StormReport {
  links: number;
  /** ms from the cut until the last link was open again; undefined when some never came back. */
  allBackMs: number | undefined;
  reopened: number;
  /** Connection attempts after the cut (each link's first one included). */
  attempts: number;
  /** Attempts the collector answered with an HTTP status instead of the upgrade (503 shed, 429...). */
  refused: Record<string, number>;
  /** Attempts that failed below HTTP (refused TCP connect, handshake timeout), by message. */
  errors: Record<string, number>;
}

export type ClientsMessage = { type: "opened"; ms: number; count: number } | { type: "storm"; report: StormReport };

/** The links' warnings, counted instead of logged: what a refused or failed attempt looks like. */
class CountingLog implements Logger {
  refused: Record<string, number> = {};
  errors: Record<string, number> = {};
  info(): void {}
  error(): void {}
  warn(msg: string, fields?: Record<string, unknown>): void {
    if (msg === "collector refused the connection") {
      const k = String(fields?.status ?? "?");
      this.refused[k] = (this.refused[k] ?? 0) + 1;
    } else if (msg === "collector link error") {
      const k = String(fields?.error ?? "?").replace(/\d+/g, "N");
      this.errors[k] = (this.errors[k] ?? 0) + 1;
    }
  }
  child(): Logger {
    return this;
  }
  async flush(): Promise<void> {}
  reset(): void {
    this.refused = {};
    this.errors = {};
  }
}

const log = new CountingLog();
const links: CollectorLink[] = [];
const sockets: WebSocket[] = [];
let attempts = 0;
/** Date.now() of every open after the last cut. */
let reopens: number[] = [];
let counting = false;

function openLink(url: string, a: SeededAgent): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let first = true;
    const link = new CollectorLink({
      collectorUrl: url,
      agentId: a.agentId,
      secret: a.secret,
      outbox: new MemoryOutbox(),
      log,
      onFrame: () => {},
      onState: (s, info) => {
        if (s === "connecting" && counting) attempts++;
        if (s === "open") {
          if (counting) reopens.push(Date.now());
          if (first) {
            first = false;
            resolve();
          }
        }
        if (s === "closed" && first) {
          first = false;
          reject(new Error(`agent link closed before it opened: ${info?.code} ${info?.reason}`));
        }
      },
    });
    links.push(link);
    link.start();
  });
}

function openBare(url: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, "ws"), { perMessageDeflate: false });
    sockets.push(ws);
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
}

/** The socket under a link. The link keeps it private: only this bench reaches in, to cut it. */
const socketOf = (l: CollectorLink): WebSocket | undefined => (l as unknown as { ws?: WebSocket }).ws;

async function cut(deadlineMs: number): Promise<StormReport> {
  log.reset();
  attempts = 0;
  reopens = [];
  counting = true;
  const t0 = Date.now();
  for (const l of links) socketOf(l)?.terminate();
  const until = t0 + deadlineMs;
  while (reopens.length < links.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  counting = false;
  return { links: links.length, allBackMs: timeUntilAllBack(t0, reopens, links.length), reopened: reopens.length, attempts, refused: { ...log.refused }, errors: { ...log.errors } };
}

process.on("message", (msg: ClientsRequest) => {
  const send = (m: ClientsMessage) => process.send!(m);
  if (msg.type === "open") {
    const t0 = performance.now();
    const agents = msg.agents;
    void openRange(0, msg.count, (i) => (agents ? openLink(msg.url, agents[i]!) : openBare(msg.url))).then(
      () => send({ type: "opened", ms: performance.now() - t0, count: msg.count }),
      (e: unknown) => {
        console.error(`fleet clients: ${String(e)}`);
        process.exit(1);
      },
    );
  } else if (msg.type === "cut") {
    void cut(msg.deadlineMs).then((report) => send({ type: "storm", report }));
  } else if (msg.type === "stop") {
    void Promise.all(links.map((l) => l.stop())).finally(() => {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    });
  }
});
