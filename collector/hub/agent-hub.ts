// The collector's side of the agent protocol: one live connection per agent, run requests out, run
// events in. Every inbound frame is parsed with shared/protocol.ts; an event is acknowledged only
// after the store has committed it, so an acked result is never lost.
import type WebSocket from "ws";
import { z } from "zod";
import type { Run } from "../../shared/api.js";
import { parseBoundedJson } from "../../shared/bounded-json.js";
import type { Logger } from "../../shared/log.js";
import { AgentFrame, CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION, type RunEvent, type ServerFrame } from "../../shared/protocol.js";
import { ViolationTracker } from "../auth/violations.js";
import type { RunBus } from "../run-bus.js";
import { DEFAULT_LIMITS, type IngestLimits } from "../limits.js";
import { EXPIRED_REASON, type AppendRefusal, type AppendResult, type Store } from "../store/types.js";
import { checkEventTimes } from "./event-times.js";
import { FrameThrottle, TokenBucket } from "./frame-throttle.js";

export interface HubOptions {
  store: Store;
  bus: RunBus;
  log: Logger;
  now: () => number;
  heartbeatMs: number;
  /** Protocol-violation limits; the default tracker when omitted (tests pass their own). */
  violations?: ViolationTracker;
  /** Ingest limits (collector/limits.ts); the defaults when omitted. */
  limits?: IngestLimits;
}

interface Conn {
  agentId: string;
  ws: WebSocket;
  alive: boolean;
  helloSeen: boolean;
  remote: string;
  /**
   * Refusals already reported on this connection ("runId|code"): each is logged, audited and counted
   * as a violation once; the events after it that meet the same refusal only get the error frame.
   * Runs refused as a whole (their run.offline was refused) map to that refusal, so their later
   * events are refused with the same reason instead of counting as UNKNOWN_RUN.
   */
  refused: Map<string, AppendRefusal>;
  /** Holds frames beyond the agent's rate (frame-throttle.ts). */
  throttle: FrameThrottle;
}

/** Refusals remembered per connection; an older one forgotten is just reported again. */
const MAX_REMEMBERED_REFUSALS = 256;
/** Token buckets kept (connected agents and recently throttled ones); an evicted one starts full. */
const MAX_BUCKETS = 20_000;

export class AgentHub {
  private readonly conns = new Map<string, Conn>();
  /** Per agent: how often its credentials changed, and how to close a socket that predates that. */
  private readonly epochs = new Map<string, { epoch: number; code: number; reason: string }>();
  /** Frames-per-second buckets per agent (collector/limits.ts framesPerS, frameBurst). */
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly violations: ViolationTracker;
  private readonly limits: IngestLimits;

  constructor(private readonly o: HubOptions) {
    this.violations = o.violations ?? new ViolationTracker();
    this.limits = o.limits ?? DEFAULT_LIMITS.ingest;
    // Ping every agent each interval; one that has not ponged since the last ping is dead: terminate
    // it so its runs go to "delivering" and its slot frees up (ws README, heartbeat pattern).
    this.heartbeat = setInterval(() => {
      for (const c of this.conns.values()) {
        if (!c.alive) {
          this.o.log.warn("agent missed heartbeat, terminating", { agentId: c.agentId });
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        c.ws.ping();
      }
      void this.expireRuns();
    }, o.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Frames of this agent waiting for its rate (0 when it is not throttled). */
  throttledFrames(agentId: string): number {
    return this.conns.get(agentId)?.throttle.waiting ?? 0;
  }

  /** The agent's token bucket, kept across its reconnects. */
  private bucketOf(agentId: string): TokenBucket {
    let b = this.buckets.get(agentId);
    if (!b) {
      b = new TokenBucket(this.limits.framesPerS, this.limits.frameBurst, this.o.now());
      this.buckets.set(agentId, b);
      if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    return b;
  }

  /** Milliseconds a misbehaving agent must still wait before it may connect again (0 = may). */
  blockedForMs(agentId: string): number {
    return this.violations.blockedForMs(agentId, this.o.now());
  }

  isConnected(agentId: string): boolean {
    return this.conns.has(agentId);
  }

  connectedCount(): number {
    return this.conns.size;
  }

  /**
   * A counter per agent that every disconnect() (revocation, re-enrollment) moves on. The upgrade reads
   * it before it looks the agent up in the store and hands it to attach(): if it moved meanwhile, the
   * lookup may predate the change, so the socket is closed instead of attached.
   */
  credentialEpoch(agentId: string): number {
    return this.epochs.get(agentId)?.epoch ?? 0;
  }

  /** Takes over an authenticated socket for this agent (replacing an older connection). */
  attach(agentId: string, ws: WebSocket, remote: string, epoch: number): void {
    const changed = this.epochs.get(agentId);
    if (changed && changed.epoch !== epoch) {
      this.o.log.warn("agent credentials changed during the upgrade; closing", { agentId, remote });
      ws.close(changed.code, changed.reason);
      return;
    }
    const old = this.conns.get(agentId);
    if (old) old.ws.close(CloseCode.replaced, "replaced by a newer connection");
    const throttle = new FrameThrottle(this.bucketOf(agentId), this.limits.maxBacklogBytes, this.o.now, {
      deliver: (data, isBinary) => void this.onMessage(conn, data, isBinary),
      pause: () => ws.pause(),
      resume: () => ws.resume(),
      overflow: () => this.reject(conn, CloseCode.tryAgainLater, "RATE_LIMITED", `more than ${this.limits.frameBurst} frames at once and ${this.limits.framesPerS} a second; frames kept arriving while reading was paused`),
    });
    const conn: Conn = { agentId, ws, alive: true, helloSeen: false, remote, refused: new Map(), throttle };
    this.conns.set(agentId, conn);
    ws.on("pong", () => (conn.alive = true));
    ws.on("message", (data, isBinary) => throttle.push(data as Buffer, isBinary));
    ws.on("close", (code) => this.onClose(conn, code));
    ws.on("error", (e) => {
      this.o.log.warn("agent socket error", { agentId, error: e.message });
      // ws itself refuses a frame above maxPayload (close 1009) before we see it: still a violation.
      if ((e as { code?: string }).code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") this.violation(conn, "FRAME_TOO_BIG");
    });
    this.send(conn, { type: "welcome", protocol: PROTOCOL_VERSION, agentId, serverTime: this.o.now(), heartbeatMs: this.o.heartbeatMs });
    void this.o.store.touchAgent(agentId, this.o.now());
  }

  /** Sends the run now when the agent is connected; otherwise it waits in state "requested". */
  async dispatch(run: Run): Promise<void> {
    const conn = this.conns.get(run.agentId);
    if (!conn?.helloSeen) return;
    this.send(conn, {
      type: "run.request",
      runId: run.id,
      ticketId: run.ticketId,
      checks: run.checks,
      params: run.params,
      requestedBy: run.requestedBy,
      notAfter: run.pickupBy,
      ...(run.params.consentTtlS !== undefined ? { consentTtlS: run.params.consentTtlS } : {}),
    });
    await this.o.store.setRunState(run.id, "sent", this.o.now());
    this.o.bus.publish(run.id, { type: "state", state: "sent" });
  }

  cancel(agentId: string, runId: string): boolean {
    const conn = this.conns.get(agentId);
    if (!conn) return false;
    this.send(conn, { type: "run.cancel", runId });
    return true;
  }

  /** Closes one agent's connection (revocation, re-enrollment) and any upgrade still in flight. */
  disconnect(agentId: string, code: number, reason: string): void {
    this.epochs.set(agentId, { epoch: this.credentialEpoch(agentId) + 1, code, reason });
    this.conns.get(agentId)?.ws.close(code, reason);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const c of this.conns.values()) c.ws.close(CloseCode.goingAway, "collector shutting down");
    this.conns.clear();
  }

  private send(conn: Conn, frame: ServerFrame): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  private reject(conn: Conn, code: number, errCode: string, message: string, countsAsViolation = true): void {
    this.o.log.warn("agent frame rejected", { agentId: conn.agentId, remote: conn.remote, code: errCode, message });
    this.send(conn, { type: "error", code: errCode, message: message.slice(0, 1000) });
    conn.ws.close(code, errCode);
    if (countsAsViolation) this.violation(conn, errCode);
  }

  /**
   * Counts one protocol violation; at the limit the agent is blocked (upgrades refused with 429, see
   * ws/agent-upgrade.ts), its connection closed and the block audited once.
   */
  private violation(conn: Conn, errCode: string): void {
    const until = this.violations.record(conn.agentId, this.o.now());
    if (until === undefined) return;
    this.o.log.warn("agent blocked for repeated protocol violations", { agentId: conn.agentId, remote: conn.remote, until });
    conn.ws.close(CloseCode.policyViolation, "TOO_MANY_VIOLATIONS");
    this.o.store
      .appendAudit({ at: this.o.now(), actor: `agent:${conn.agentId}`, action: "agent.blocked", agentId: conn.agentId, outcome: "denied", detail: { lastViolation: errCode, blockedUntil: until, remote: conn.remote } })
      .catch((e: unknown) => this.o.log.error("auditing agent block failed", { agentId: conn.agentId, error: String(e) }));
  }

  private async onMessage(conn: Conn, data: Buffer, isBinary: boolean): Promise<void> {
    // Frames already buffered behind a rejected one are dropped: a closing connection stores nothing.
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if (isBinary) return this.reject(conn, CloseCode.policyViolation, "BINARY_FRAME", "frames must be JSON text");
    if (data.length > MAX_FRAME_BYTES) return this.reject(conn, CloseCode.messageTooBig, "FRAME_TOO_BIG", "frame too big");
    // Shape first (depth, keys, items, string length), so zod and everything after it only ever see
    // a bounded value; the close reason is the limit's code (JSON_TOO_DEEP...).
    const json = parseBoundedJson(data.toString("utf8"));
    if (!json.ok) return this.reject(conn, CloseCode.policyViolation, json.code, `frame refused: ${json.message}`);
    const parsed = AgentFrame.safeParse(json.value);
    if (!parsed.success) {
      return this.reject(conn, CloseCode.policyViolation, "INVALID_FRAME", z.prettifyError(parsed.error));
    }
    const frame = parsed.data;
    if (frame.type === "hello") {
      if (frame.protocol !== PROTOCOL_VERSION) {
        // An old build, not an attack: refused, but not counted towards a block.
        return this.reject(conn, CloseCode.protocolError, "PROTOCOL_MISMATCH", `collector speaks protocol ${PROTOCOL_VERSION}, agent ${frame.protocol}`, false);
      }
      conn.helloSeen = true;
      await this.sendPending(conn);
      return;
    }
    if (!conn.helloSeen) return this.reject(conn, CloseCode.policyViolation, "HELLO_FIRST", "send hello before anything else");
    await this.onRunEvent(conn, frame);
  }

  private async onRunEvent(conn: Conn, ev: RunEvent): Promise<void> {
    const wholeRun = conn.refused.get(ev.runId);
    if (wholeRun) return this.refuseEvent(conn, ev, wholeRun);
    let result: AppendResult | undefined = checkEventTimes(ev, this.o.now(), this.limits);
    try {
      result ??= await this.o.store.appendRunEvent(conn.agentId, ev, this.o.now(), this.limits);
    } catch (e) {
      // Not acked: the agent keeps it in its outbox and sends it again after reconnecting.
      this.o.log.error("storing run event failed", { agentId: conn.agentId, runId: ev.runId, seq: ev.seq, error: String(e) });
      this.send(conn, { type: "error", code: "STORE_FAILED", message: "event not stored, will be retried", runId: ev.runId });
      return;
    }
    if (result === "unknown_run") {
      // Pipelined behind a run.offline that was refused: refused for the same reason, not a violation.
      const refusedRun = conn.refused.get(ev.runId);
      if (refusedRun) return this.refuseEvent(conn, ev, refusedRun);
      // An agent can only ever write to its own runs. Acked so a confused agent does not resend it
      // forever; nothing is stored.
      this.o.log.warn("event for unknown or foreign run", { agentId: conn.agentId, runId: ev.runId });
      this.send(conn, { type: "error", code: "UNKNOWN_RUN", message: `run ${ev.runId} is not yours or does not exist`, runId: ev.runId });
      this.send(conn, { type: "ack", runId: ev.runId, seq: ev.seq });
      this.violation(conn, "UNKNOWN_RUN");
      return;
    }
    if (typeof result === "object") {
      // The run was never created: its later events get this reason too, not UNKNOWN_RUN.
      if (ev.type === "run.offline") this.remember(conn, ev.runId, result);
      return this.refuseEvent(conn, ev, result);
    }
    this.send(conn, { type: "ack", runId: ev.runId, seq: ev.seq });
    if (result === "duplicate") return;
    await this.auditRunEvent(conn.agentId, ev);
    this.publish(ev);
  }

  /**
   * Refused for good: the agent is told why and the event is acknowledged (it must not come back).
   * The first refusal of its kind per run is logged, audited and counted as a violation, so a
   * broken agent is heard once per run and a hostile one that keeps trying gets blocked.
   */
  private refuseEvent(conn: Conn, ev: RunEvent, r: AppendRefusal): void {
    this.send(conn, { type: "error", code: r.refused, message: r.message.slice(0, 1000), runId: ev.runId });
    this.send(conn, { type: "ack", runId: ev.runId, seq: ev.seq });
    const key = `${ev.runId}|${r.refused}`;
    if (conn.refused.has(key)) return;
    this.remember(conn, key, r);
    this.o.log.warn("agent event refused", { agentId: conn.agentId, remote: conn.remote, runId: ev.runId, seq: ev.seq, type: ev.type, code: r.refused, message: r.message });
    const detail = { code: r.refused, message: r.message, type: ev.type, seq: ev.seq, ...(ev.type === "run.offline" ? { ticketId: ev.ticketId } : {}) };
    this.o.store
      .appendAudit({ at: this.o.now(), actor: `agent:${conn.agentId}`, action: "run.event.refused", agentId: conn.agentId, runId: ev.runId, outcome: "denied", detail })
      .catch((e: unknown) => this.o.log.error("auditing a refused event failed", { runId: ev.runId, error: String(e) }));
    this.violation(conn, r.refused);
  }

  private remember(conn: Conn, key: string, r: AppendRefusal): void {
    conn.refused.set(key, r);
    if (conn.refused.size > MAX_REMEMBERED_REFUSALS) conn.refused.delete(conn.refused.keys().next().value as string);
  }

  /**
   * The agent's side of the story in the audit trail: it accepted (the customer's grant covered the
   * run), refused (no grant, consent refused...), ran (finished, with outcome) or uploaded an offline
   * run. Grants and revocations themselves are the customer's and live in the agent's consent log.
   */
  private async auditRunEvent(agentId: string, ev: RunEvent): Promise<void> {
    const base = { at: this.o.now(), actor: `agent:${agentId}`, agentId, runId: ev.runId };
    const entry =
      ev.type === "run.refused" ? { ...base, action: "run.refused", outcome: "denied", detail: { code: ev.code, reason: ev.reason } }
      : ev.type === "run.accepted" ? { ...base, action: "run.accepted", outcome: "allowed" }
      : ev.type === "run.finished" ? { ...base, action: "run.finished", outcome: ev.outcome, detail: { steps: ev.steps } }
      : ev.type === "run.offline" ? { ...base, action: "run.offline", ticketId: ev.ticketId, outcome: "ok", detail: { checks: ev.checks } }
      : undefined;
    if (!entry) return;
    await this.o.store.appendAudit(entry).catch((e: unknown) => this.o.log.error("audit of a run event failed", { runId: ev.runId, action: entry.action, error: String(e) }));
  }

  private publish(ev: RunEvent): void {
    const bus = this.o.bus;
    switch (ev.type) {
      case "step":
        bus.publish(ev.runId, { type: "step", seq: ev.seq, result: ev.result });
        break;
      case "verdict":
        bus.publish(ev.runId, { type: "verdict", verdict: ev.verdict });
        break;
      case "run.accepted":
      case "run.offline":
        bus.publish(ev.runId, { type: "state", state: "running" });
        break;
      case "run.refused":
        bus.publish(ev.runId, { type: "state", state: "refused", reason: `${ev.code}: ${ev.reason}` });
        break;
      case "run.finished":
        bus.publish(ev.runId, { type: "state", state: ev.outcome });
        break;
    }
  }

  private async sendPending(conn: Conn): Promise<void> {
    const pending = await this.o.store.pendingRunsForAgent(conn.agentId, this.o.now());
    for (const run of pending) await this.dispatch(run);
  }

  private onClose(conn: Conn, code: number): void {
    conn.throttle.stop();
    if (this.conns.get(conn.agentId) === conn) this.conns.delete(conn.agentId);
    // A depleted bucket outlives the connection, so reconnecting does not refill it.
    if (this.buckets.get(conn.agentId)?.isFull(this.o.now())) this.buckets.delete(conn.agentId);
    this.o.log.info("agent disconnected", { agentId: conn.agentId, code });
    void this.markDelivering(conn.agentId);
  }

  /** Runs that were running on an agent whose link dropped: results will come on reconnect. */
  private async markDelivering(agentId: string): Promise<void> {
    try {
      for (const id of await this.o.store.runIdsInState(agentId, "running")) {
        await this.o.store.setRunState(id, "delivering", this.o.now());
        this.o.bus.publish(id, { type: "state", state: "delivering" });
      }
    } catch (e) {
      this.o.log.error("marking runs delivering failed", { agentId, error: String(e) });
    }
  }

  private async expireRuns(): Promise<void> {
    try {
      for (const id of await this.o.store.expireRuns(this.o.now())) {
        this.o.bus.publish(id, { type: "state", state: "expired", reason: EXPIRED_REASON });
      }
    } catch (e) {
      this.o.log.error("expiring runs failed", { error: String(e) });
    }
  }
}
