// The agent's WebSocket link to the collector: authenticates with its own secret, says hello,
// replays the outbox after every (re)connect, drops acknowledged events, detects a dead link by
// missing heartbeats (liveness.ts, plus TCP keepalive), and reconnects with capped, fully jittered
// exponential backoff.
import type { Socket } from "node:net";
import WebSocket from "ws";
import { z } from "zod";
import type { Logger } from "../../shared/log.js";
import { CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION, ServerFrame, type RunEvent } from "../../shared/protocol.js";
import { CHECK_IDS } from "../../shared/checks.js";
import { isLoopbackHost } from "../../shared/transport.js";
import { AGENT_VERSION } from "../version.js";
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.js";
import { SILENT_HEARTBEATS, SilenceDeadline, WELCOME_DEADLINE_MS } from "./liveness.js";
import type { Outbox } from "./outbox.js";

export interface LinkOptions {
  collectorUrl: string;
  agentId: string;
  secret: string;
  caPem?: string;
  insecure?: boolean;
  outbox: Outbox;
  log: Logger;
  backoff?: BackoffOptions;
  /** Called for every frame other than welcome/ack. */
  onFrame: (frame: ServerFrame) => void;
  /** Called on connect state changes (for tests and the CLI's status line). */
  onState?: (state: "connecting" | "open" | "closed", info?: { code?: number; reason?: string }) => void;
}

/** ws(s)://host/agent/ws from the collector's http(s) or ws(s) URL. */
export function agentSocketUrl(collectorUrl: string): string {
  const u = new URL(collectorUrl);
  u.protocol = u.protocol === "https:" || u.protocol === "wss:" ? "wss:" : "ws:";
  u.pathname = "/agent/ws";
  u.search = "";
  return u.toString();
}

export { isLoopbackHost } from "../../shared/transport.js";

export class InsecureTransportError extends Error {
  readonly code = "INSECURE_TRANSPORT";
}

/** Close codes after which reconnecting is pointless until a human acts. */
const FATAL_CLOSE = new Set<number>([CloseCode.revoked, CloseCode.protocolError]);

export class CollectorLink {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private socket: Socket | undefined;
  private openedAt = 0;
  /**
   * The collector pings every heartbeatMs (welcome); SILENT_HEARTBEATS of silence means the link is
   * dead even if TCP has not noticed (NAT timeout, router reboot, cable pulled): terminate, reconnect.
   */
  private readonly deadline = new SilenceDeadline(() => {
    this.o.log.warn("no heartbeat from collector; reconnecting");
    this.ws?.terminate();
  });

  constructor(private readonly o: LinkOptions) {
    const url = new URL(agentSocketUrl(o.collectorUrl));
    if (url.protocol === "ws:" && !isLoopbackHost(url.hostname) && !o.insecure) {
      throw new InsecureTransportError(`refusing plain ws:// to ${url.hostname}: use https/wss, or pass --insecure deliberately`);
    }
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends when open; otherwise the event waits in the outbox and is replayed on reconnect. */
  send(ev: RunEvent): void {
    if (this.isOpen) this.ws!.send(JSON.stringify(ev));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.deadline.stop();
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((r) => {
        ws.once("close", () => r());
        ws.close(CloseCode.normal, "agent stopping");
        setTimeout(() => {
          ws.terminate();
          r();
        }, 2000).unref();
      });
    }
  }

  private connect(): void {
    const url = agentSocketUrl(this.o.collectorUrl);
    if (new URL(url).protocol === "ws:" && !isLoopbackHost(new URL(url).hostname)) {
      this.o.log.warn("INSECURE: plain ws:// to a non-loopback collector; traffic is not encrypted", { url });
    }
    this.o.onState?.("connecting");
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${this.o.agentId}.${this.o.secret}` },
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      // Pin the collector's certificate/CA given at enrollment instead of the system trust store.
      ...(this.o.caPem ? { ca: this.o.caPem } : {}),
    });
    this.ws = ws;
    ws.on("upgrade", (res) => {
      // Kernel-level backstop (keepalive probes, NAT state kept warm); re-tuned when the welcome comes.
      this.socket = res.socket as Socket;
      this.socket.setKeepAlive(true, WELCOME_DEADLINE_MS);
    });
    ws.on("open", () => {
      this.openedAt = Date.now();
      this.deadline.arm(WELCOME_DEADLINE_MS);
      ws.send(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, agentVersion: AGENT_VERSION, checks: [...CHECK_IDS] }));
      for (const ev of this.o.outbox.pending()) ws.send(JSON.stringify(ev));
      this.o.onState?.("open");
    });
    ws.on("ping", () => this.deadline.heard());
    ws.on("message", (data) => {
      this.deadline.heard();
      this.onMessage(String(data));
    });
    ws.on("unexpected-response", (_req, res) => {
      this.o.log.warn("collector refused the connection", { status: res.statusCode, retryAfter: res.headers["retry-after"] });
      // Honour a Retry-After hint from a collector shedding load.
      const retry = Number(res.headers["retry-after"]);
      if (Number.isFinite(retry) && retry > 0) this.attempt = Math.max(this.attempt, Math.ceil(Math.log2((retry * 1000) / (this.o.backoff ?? DEFAULT_BACKOFF).baseMs)));
      ws.terminate();
    });
    ws.on("error", (e) => this.o.log.warn("collector link error", { error: e.message }));
    ws.on("close", (code, reason) => {
      this.deadline.stop();
      this.o.onState?.("closed", { code, reason: String(reason) });
      if (this.stopped) return;
      if (FATAL_CLOSE.has(code)) {
        this.o.log.error("collector closed the link for good", { code, reason: String(reason) });
        this.stopped = true;
        return;
      }
      // A link that stayed up a while starts the backoff from scratch.
      if (this.openedAt && Date.now() - this.openedAt > 30_000) this.attempt = 0;
      this.openedAt = 0;
      const delay = backoffDelayMs(this.attempt++, this.o.backoff ?? DEFAULT_BACKOFF);
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private onMessage(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.o.log.warn("collector sent invalid JSON; ignored");
      return;
    }
    const parsed = ServerFrame.safeParse(json);
    if (!parsed.success) {
      this.o.log.warn("collector sent an invalid frame; ignored", { problem: z.prettifyError(parsed.error) });
      return;
    }
    const f = parsed.data;
    if (f.type === "welcome") {
      this.deadline.arm(SILENT_HEARTBEATS * f.heartbeatMs);
      this.socket?.setKeepAlive(true, SILENT_HEARTBEATS * f.heartbeatMs);
      return;
    }
    if (f.type === "ack") {
      void this.o.outbox.ack(f.runId, f.seq);
      return;
    }
    this.o.onFrame(f);
  }
}
