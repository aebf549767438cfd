// A benchmark's server side in a child process of its own (so its RSS and CPU are only the server's),
// talking to the parent over IPC; and opening many client connections a bounded number at a time.
// Used by bench/memory.ts and bench/heartbeat.ts.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { CollectorLink } from "../agent/link/collector-link.js";
import { MemoryOutbox } from "../agent/link/outbox.js";
import { createLogger } from "../shared/log.js";

/** A child that does not answer within this long is killed and the bench fails. */
const CHILD_DEADLINE_MS = 90_000;
/** Connections being opened at once: enough to be quick, few enough not to look like a storm. */
const OPEN_PARALLEL = 100;

export interface Child<M> {
  proc: ChildProcess;
  /** The child's next message (in order). */
  next(): Promise<M>;
  /** Asks the child to stop, and kills it if it does not exit within 10 s. */
  stop(): Promise<void>;
}

/** Forks `bench/<file>` (built, next to this one) with --expose-gc and the given arguments. */
export function startChild<M>(file: string, args: string[]): Child<M> {
  const proc = fork(fileURLToPath(new URL(`./${file}`, import.meta.url)), args, { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const queue: M[] = [];
  let waiter: ((m: M) => void) | undefined;
  let failed: Error | undefined;
  let reject: ((e: Error) => void) | undefined;
  proc.on("message", (m: M) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(m);
    } else queue.push(m);
  });
  proc.on("exit", (code) => {
    failed = new Error(`bench child ${file} ${args.join(" ")} exited with code ${code}`);
    reject?.(failed);
  });
  return {
    proc,
    next() {
      const m = queue.shift();
      if (m !== undefined) return Promise.resolve(m);
      if (failed) return Promise.reject(failed);
      return new Promise<M>((resolve, rej) => {
        const timer = setTimeout(() => rej(new Error(`bench child ${file} silent for ${CHILD_DEADLINE_MS} ms`)), CHILD_DEADLINE_MS);
        waiter = (msg) => {
          clearTimeout(timer);
          resolve(msg);
        };
        reject = (e) => {
          clearTimeout(timer);
          rej(e);
        };
      });
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise<void>((r) => proc.once("exit", () => r()));
      proc.send({ type: "stop" });
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Opens connections [from, to) OPEN_PARALLEL at a time; each resolves when open. */
export async function openRange(from: number, to: number, open: (i: number) => Promise<void>): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) await open(next++);
  };
  await Promise.all(Array.from({ length: OPEN_PARALLEL }, worker));
}

/** The client side of a connection bench: bare ws sockets or real agent links, closed together. */
export class BenchClients {
  readonly links: CollectorLink[] = [];
  readonly sockets: WebSocket[] = [];
  private readonly log = createLogger("bench", "silent");

  /** Opens one connection: a bare ws socket, or agent `agent`'s CollectorLink; resolves once open. */
  open(url: string, agent?: { agentId: string; secret: string }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!agent) {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        this.sockets.push(ws);
        ws.once("open", () => resolve());
        ws.once("error", reject);
        return;
      }
      const link = new CollectorLink({
        collectorUrl: url,
        agentId: agent.agentId,
        secret: agent.secret,
        outbox: new MemoryOutbox(),
        log: this.log,
        onFrame: () => {},
        onState: (s, info) => (s === "open" ? resolve() : s === "closed" && reject(new Error(`agent link closed: ${info?.code} ${info?.reason}`))),
      });
      this.links.push(link);
      link.start();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.links.map((l) => l.stop()));
    for (const ws of this.sockets) ws.terminate();
  }
}
