// The collector's side of the agent protocol: one live connection per agent, run requests out, run
// events in. Every inbound frame is parsed with shared/protocol.ts; an event is acknowledged only
// after the store has committed it, so an acked result is never lost. A run request is re-sent on
// every connection until the agent acknowledges it (run.received), and every change of a run's state
// goes through the run state machine (collector/runs/run-state.ts). Dead links are found by the
// heartbeat sweep (hub/heartbeat.ts). docs/delivery.md tells the whole story.
import type WebSocket from "ws";
import { z } from "zod";
import type { Run } from "../../shared/api.js";
import { parseBoundedJson } from "../../shared/bounded-json.js";
import { withLogContext, type Logger } from "../../shared/log.js";
import { AgentFrame, CloseCode, EVENT_REFUSAL_CODES, MAX_FRAME_BYTES, PROTOCOL_VERSION, type RunEvent, type ServerFrame } from "../../shared/protocol.js";
import { ViolationTracker } from "../auth/violations.js";
import type { HubPeers } from "../cluster/peers.js";
import type { RunBus } from "../run-bus.js";
import { publishState, publishTransition } from "../runs/publish.js";
import type { CollectorRunInput } from "../runs/run-state.js";
import { DEFAULT_LIMITS, type IngestLimits } from "../limits.js";
import type { CollectorMetrics } from "../observability/metrics.js";
import type { AppendRefusal, AppendResult, RunSelector, RunTransition, Store } from "../store/types.js";
import { checkEventTimes } from "./event-times.js";
import { Conn, SETTLED, type ConnOwner } from "./conn.js";
import { TokenBucket } from "./frame-throttle.js";
import { HeartbeatSweep } from "./heartbeat.js";

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
  /** Counters and the ingest latency histogram for /metrics (collector/observability/). */
  metrics?: CollectorMetrics;
  /**
   * The other collectors on the same database (collector/cluster/); none in a single process. With
   * peers, each link is recorded in the store on hello and a link-lost applies only while that link is
   * current; run requests, cancels and disconnects also go to the node holding the agent's link.
   */
  peers?: HubPeers;
}

/** Refusals remembered per connection; an older one forgotten is just reported again. */
const MAX_REMEMBERED_REFUSALS = 256;
/** Token buckets kept (connected agents and recently throttled ones); an evicted one starts full. */
const MAX_BUCKETS = 20_000;

export class AgentHub {
  private readonly conns = new Map<string, Conn>();
  private readonly sweep: HeartbeatSweep<Conn>;
  private readonly violations: ViolationTracker;
  private readonly limits: IngestLimits;
  /** Per agent: how often its credentials changed, and how to close a socket that predates that. */
  private readonly epochs = new Map<string, { epoch: number; code: number; reason: string }>();
  /** Frames-per-second buckets per agent (collector/limits.ts framesPerS, frameBurst). */
  private readonly buckets = new Map<string, TokenBucket>();
  /** Per agent: the link-lost transition of its last connection, awaited before a new hello is handled. */
  private readonly linkLosses = new Map<string, Promise<void>>();
  /** Store work started by frames, timers and closes; close() waits for it before the store closes. */
  private readonly inflight = new Set<Promise<unknown>>();
  private expiring = false;
  private closing = false;
  /** When each frame came off its socket (keyed by the frame's own buffer): ingest latency starts there. */
  private readonly arrivals = new WeakMap<Buffer, number>();
  /** What every connection calls back into (conn.ts): one object for all of them. */
  private readonly owner: ConnOwner = {
    received: (conn, data, isBinary) => {
      conn.alive = true;
      this.arrivals.set(data, performance.now());
      conn.throttle.push(data, isBinary);
    },
    deliver: (conn, data, isBinary) => void this.track(this.onMessage(conn, data, isBinary)),
    overflow: (conn) => this.reject(conn, CloseCode.tryAgainLater, "RATE_LIMITED", `more than ${this.limits.frameBurst} frames at once and ${this.limits.framesPerS} a second; frames kept arriving while reading was paused`),
    missedHeartbeat: (conn) => {
      this.o.log.warn("agent missed heartbeat, terminating", { agentId: conn.agentId });
      conn.ws.terminate();
    },
    closed: (conn, code) => this.onClose(conn, code),
    socketError: (conn, e) => {
      this.o.metrics?.wsErrors.inc({ code: (e as { code?: string }).code ?? "UNKNOWN" });
      this.o.log.warn("agent socket error", { agentId: conn.agentId, error: e.message });
      // ws itself refuses a frame above maxPayload (close 1009) before we see it: still a violation.
      if ((e as { code?: string }).code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") this.violation(conn, "FRAME_TOO_BIG");
    },
  };

  constructor(private readonly o: HubOptions) {
    this.violations = o.violations ?? new ViolationTracker();
    this.limits = o.limits ?? DEFAULT_LIMITS.ingest;
    // Ping every agent once per interval; one that did not pong since its last ping is dead: terminate
    // it so its runs are re-queued or marked delivering and its slot frees up. The expiry sweep rides
    // on the same timer, once per round.
    this.sweep = new HeartbeatSweep<Conn>({ intervalMs: o.heartbeatMs, onRound: () => this.track(this.expireRuns()) });
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

  /** Heartbeat timer wakeups and pings so far (bench/heartbeat.ts). */
  get heartbeatStats(): { ticks: number; pings: number } {
    return { ticks: this.sweep.ticks, pings: this.sweep.pings };
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
    // An upgrade that finished while the collector stops: the agent comes back to the next one.
    if (this.closing) return void ws.close(CloseCode.serviceRestart, "collector restarting; reconnect later");
    const changed = this.epochs.get(agentId);
    if (changed && changed.epoch !== epoch) {
      this.o.log.warn("agent credentials changed during the upgrade; closing", { agentId, remote });
      ws.close(changed.code, changed.reason);
      return;
    }
    const old = this.conns.get(agentId);
    if (old) old.ws.close(CloseCode.replaced, "replaced by a newer connection");
    const conn = new Conn(this.owner, agentId, ws, remote, this.bucketOf(agentId), this.limits.maxBacklogBytes, this.o.now);
    this.conns.set(agentId, conn);
    this.sweep.add(conn);
    this.o.log.info("agent connected", { agentId, remote });
    this.send(conn, { type: "welcome", protocol: PROTOCOL_VERSION, agentId, serverTime: this.o.now(), heartbeatMs: this.o.heartbeatMs });
    void this.o.store.touchAgent(agentId, this.o.now());
  }

  /**
   * Sends the run request when the agent is connected here (state sent); otherwise it waits in state
   * "requested" and goes out with the agent's next hello. With peers the node holding the agent's link
   * is told too, whether or not this one holds a socket of the agent: that socket may be a stale one
   * the agent already left for another node (the agent ignores a run id it has seen).
   */
  async dispatch(run: Run): Promise<void> {
    await this.sendRun(run);
    this.o.peers?.signal({ t: "run.requested", runId: run.id, agentId: run.agentId });
  }

  /** A peer asked: sends the run if this node holds the agent's link (read from the store, not the signal). */
  async dispatchHeld(runId: string): Promise<void> {
    const run = await this.o.store.getRun(runId, { maxSteps: 1, maxBytes: 1 });
    if (run && this.conns.get(run.agentId)?.helloSeen) await this.sendRun(run);
  }

  /** Re-sends every held agent's pending runs (after missed signals: collector/cluster/node.ts). */
  async resendPending(): Promise<void> {
    for (const conn of [...this.conns.values()]) if (conn.helloSeen) await this.sendPendingRuns(conn);
  }

  /** Whether the agent's socket here has had its hello handled (run requests may go out on it). */
  holdsReady(agentId: string): boolean {
    return this.conns.get(agentId)?.helloSeen === true;
  }

  /** The link id of the agent's socket held here (undefined: none). */
  linkOf(agentId: string): string | undefined {
    return this.conns.get(agentId)?.linkId;
  }

  /** Closes this node's socket of the agent when it is not the link the store says is current. */
  closeIfStale(agentId: string, currentLinkId: string | undefined): void {
    const conn = this.conns.get(agentId);
    if (!conn || conn.linkId === currentLinkId) return;
    this.o.log.info("agent's link moved to another node; closing the stale socket", { agentId, linkId: conn.linkId });
    conn.ws.close(CloseCode.replaced, "replaced by a newer connection");
  }

  /** Agents connected here, and with peers those whose current link is on another live node. */
  async connectedAgents(): Promise<Set<string>> {
    const here = new Set(this.conns.keys());
    if (!this.o.peers) return here;
    for (const id of await this.o.peers.connectedAgents()) here.add(id);
    return here;
  }

  private async sendRun(run: Run): Promise<void> {
    const conn = this.conns.get(run.agentId);
    if (!conn?.helloSeen || this.closing) return;
    // State first, then the frame: the run is "sent" before the agent can possibly acknowledge it.
    const [t] = await this.transition({ runId: run.id }, { kind: "dispatch" });
    if (!t?.decision.ok || !t.decision.effects.includes("send_request")) return;
    if (this.conns.get(run.agentId) !== conn || conn.ws.readyState !== conn.ws.OPEN) {
      // The link went while the state was written: back to the queue (re-sent on reconnect). With
      // peers only while that link is still current (the agent may be on another node by now).
      await this.transition(this.linkSelector(run.agentId, conn.linkId, run.id), { kind: "link_lost" });
      return;
    }
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
  }

  /**
   * Tells the agent to stop a run, here and (with peers) through the node holding its link; false when
   * it is connected nowhere.
   */
  async cancel(agentId: string, runId: string): Promise<boolean> {
    const here = this.cancelHeld(agentId, runId);
    if (!this.o.peers) return here;
    this.o.peers.signal({ t: "run.cancel", runId, agentId });
    return here || (await this.o.peers.connectedAgents()).has(agentId);
  }

  /** Sends run.cancel on this node's socket of the agent; false when there is none. */
  cancelHeld(agentId: string, runId: string): boolean {
    const conn = this.conns.get(agentId);
    if (!conn || conn.ws.readyState !== conn.ws.OPEN) return false;
    this.send(conn, { type: "run.cancel", runId });
    return true;
  }

  /**
   * Closes one agent's connection (revocation, re-enrollment) and any upgrade still in flight, here
   * and on every other node.
   */
  disconnect(agentId: string, code: typeof CloseCode.revoked | typeof CloseCode.replaced, reason: string): void {
    this.disconnectHere(agentId, code, reason);
    this.o.peers?.signal({ t: "agent.disconnect", agentId, code });
  }

  /** disconnect() on this node only (a peer relayed it). */
  disconnectHere(agentId: string, code: number, reason: string): void {
    this.epochs.set(agentId, { epoch: this.credentialEpoch(agentId) + 1, code, reason });
    this.conns.get(agentId)?.ws.close(code, reason);
  }

  /**
   * Stops taking frames, lets the store work in flight finish (so the acks of events it commits still go
   * out on open sockets), then closes every agent connection with `code` (default 1012 "service
   * restart": the agents reconnect with their backoff) and records the lost links (a sent run goes back
   * to the queue, a held one to delivering) before the store may close. Frames arriving from now on are
   * neither stored nor acked: the agents keep them in their outbox and send them again.
   */
  async close(code: number = CloseCode.serviceRestart, reason = "collector restarting; reconnect later"): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.sweep.stop();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    const links = [...this.conns.values()].map((c) => [c.agentId, c.linkId] as const);
    for (const c of this.conns.values()) c.ws.close(code, reason);
    this.conns.clear();
    await Promise.allSettled(links.map(([a, l]) => this.linkLost(a, l)));
  }

  /** Applies a collector-side input through the store's run state machine and publishes the changes. */
  private async transition(sel: RunSelector, input: CollectorRunInput): Promise<RunTransition[]> {
    const ts = await this.o.store.transitionRuns(sel, input, this.o.now());
    for (const t of ts) publishTransition(this.o.bus, t);
    return ts;
  }

  /** Runs store work in the background, remembered so close() can wait for it. */
  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
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
    if (conn.ws.readyState !== conn.ws.OPEN || this.closing) return;
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
      const ready = (conn.ready = this.sendPending(conn));
      await ready;
      // Handled: frames from now on need not wait, and the connection need not keep this promise.
      if (conn.ready === ready) conn.ready = SETTLED;
      return;
    }
    if (!conn.helloSeen) return this.reject(conn, CloseCode.policyViolation, "HELLO_FIRST", "send hello before anything else");
    await conn.ready;
    const receivedAt = this.arrivals.get(data) ?? performance.now();
    await withLogContext({ agentId: conn.agentId, runId: frame.runId }, async () => {
      const outcome = await this.onRunEvent(conn, frame);
      this.o.metrics?.ingestLatency.observe({ outcome }, (performance.now() - receivedAt) / 1000);
    });
  }

  /** Stores (or refuses) one event and acks it; says how it ended, for the ingest latency histogram. */
  private async onRunEvent(conn: Conn, ev: RunEvent): Promise<"stored" | "duplicate" | "refused" | "failed"> {
    const outcome = await this.ingest(conn, ev);
    return outcome ?? "refused";
  }

  /** Refusals (acked with the reason) return nothing. */
  private async ingest(conn: Conn, ev: RunEvent): Promise<"stored" | "duplicate" | "failed" | void> {
    const wholeRun = conn.refusedFor(ev.runId);
    if (wholeRun) return this.refuseEvent(conn, ev, wholeRun);
    const tooOld = checkEventTimes(ev, this.o.now(), this.limits);
    if (tooOld) return this.refuseEvent(conn, ev, tooOld);
    let result: AppendResult;
    try {
      result ??= await this.o.store.appendRunEvent(conn.agentId, ev, this.o.now(), this.limits);
    } catch (e) {
      // Not acked: the agent keeps it in its outbox and sends it again after reconnecting.
      this.o.log.error("storing run event failed", { agentId: conn.agentId, runId: ev.runId, seq: ev.seq, error: String(e) });
      this.send(conn, { type: "error", code: "STORE_FAILED", message: "event not stored, will be retried", runId: ev.runId });
      return "failed";
    }
    switch (result.outcome) {
      case "unknown_run": {
        // Pipelined behind a run.offline that was refused: refused for the same reason, not a violation.
        const refusedRun = conn.refusedFor(ev.runId);
        if (refusedRun) return this.refuseEvent(conn, ev, refusedRun);
        // An agent can only ever write to its own runs. Acked so a confused agent does not resend it
        // forever; nothing is stored.
        this.o.log.warn("event for unknown or foreign run", { agentId: conn.agentId, runId: ev.runId });
        this.send(conn, { type: "error", code: "UNKNOWN_RUN", message: `run ${ev.runId} is not yours or does not exist`, runId: ev.runId });
        this.send(conn, { type: "ack", runId: ev.runId, seq: ev.seq });
        this.violation(conn, "UNKNOWN_RUN");
        return;
      }
      case "refused": {
        const limit = (EVENT_REFUSAL_CODES as readonly string[]).includes(result.code);
        if (limit) {
          // Ownership or an ingest limit: reported once per run as a violation. The run of a refused
          // run.offline was never created: its later events get this reason too, not UNKNOWN_RUN.
          const r: AppendRefusal = { refused: result.code as AppendRefusal["refused"], message: result.reason };
          if (ev.type === "run.offline") this.remember(conn, ev.runId, r);
          return this.refuseEvent(conn, ev, r);
        }
        // The run state machine refused it (after the end, before acceptance, a second verdict...):
        // stored nowhere, acked so the agent drops it, and the agent is told why. A run cancelled
        // before the agent acknowledged it is also stopped on the agent.
        this.o.log.warn("run event refused", { agentId: conn.agentId, runId: ev.runId, seq: ev.seq, type: ev.type, code: result.code, reason: result.reason });
        this.send(conn, { type: "ack", runId: ev.runId, seq: ev.seq });
        this.send(conn, { type: "error", code: result.code, message: result.reason.slice(0, 1000), runId: ev.runId, seq: ev.seq });
        if (result.effects.includes("send_cancel")) this.send(conn, { type: "run.cancel", runId: ev.runId });
        return;
      }
      case "duplicate":
        this.send(conn, { type: "ack", runId: ev.runId, seq: ev.seq });
        return "duplicate";
      case "stored":
        this.send(conn, { type: "ack", runId: ev.runId, seq: ev.seq });
        this.countStored(ev, result);
        // Published before the audit write is awaited, so viewers get events in the order they were
        // stored (an audited run.accepted must not show up after the step stored behind it).
        this.publish(ev, result);
        await this.auditRunEvent(conn.agentId, ev);
        return "stored";
    }
  }

  /** Metrics and a log line for each stored event that moves a run along (steps are only counted). */
  private countStored(ev: RunEvent, stored: Extract<AppendResult, { outcome: "stored" }>): void {
    const m = this.o.metrics;
    if (ev.type === "step") m?.stepsIngested.inc({ check: ev.result.check, status: ev.result.status });
    else if (ev.type === "verdict") m?.verdictStored(ev.verdict.segment, ev.verdict.cause);
    if (ev.type === "step") return;
    const fields: Record<string, unknown> = { type: ev.type, seq: ev.seq, state: stored.state };
    if (ev.type === "verdict") Object.assign(fields, { segment: ev.verdict.segment, cause: ev.verdict.cause });
    if (ev.type === "run.finished") Object.assign(fields, { outcome: ev.outcome });
    this.o.log.info("run event stored", fields);
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
    if (conn.refusedFor(key)) return;
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
      : ev.type === "run.consent" ? { ...base, action: "run.consent", outcome: "asked", detail: { until: ev.until } }
      : ev.type === "run.finished" ? { ...base, action: "run.finished", outcome: ev.outcome, detail: { steps: ev.steps, ...(ev.reason ? { reason: ev.reason } : {}) } }
      : ev.type === "run.offline" ? { ...base, action: "run.offline", ticketId: ev.ticketId, outcome: "ok", detail: { checks: ev.checks } }
      : undefined;
    if (!entry) return;
    await this.o.store.appendAudit(entry).catch((e: unknown) => this.o.log.error("audit of a run event failed", { runId: ev.runId, action: entry.action, error: String(e) }));
  }

  private publish(ev: RunEvent, stored: Extract<AppendResult, { outcome: "stored" }>): void {
    const bus = this.o.bus;
    if (ev.type === "step") bus.publish(ev.runId, { type: "step", seq: ev.seq, result: ev.result });
    if (ev.type === "verdict") bus.publish(ev.runId, { type: "verdict", verdict: ev.verdict });
    if (stored.changed) publishState(bus, ev.runId, stored.state, stored.reason, ev.type === "run.consent" ? ev.until : undefined);
  }

  /** After hello: every run the agent has not acknowledged goes (again) to this connection. */
  private async sendPending(conn: Conn): Promise<void> {
    // The previous connection's runs must be re-queued first, or this one could be told they are lost.
    await this.linkLosses.get(conn.agentId);
    if (this.o.peers) {
      try {
        // Recorded before anything is sent: from now on a late link-lost of an older link (here or
        // on another node) leaves the agent's runs alone.
        await this.o.peers.linkTaken(conn.agentId, conn.linkId);
      } catch (e) {
        // Unrecorded, an older link's loss could knock back what this link runs: the agent comes back later.
        this.o.log.error("recording the agent's link failed", { agentId: conn.agentId, error: String(e) });
        conn.ws.close(CloseCode.tryAgainLater, "STORE_FAILED");
        return;
      }
    }
    await this.sendPendingRuns(conn);
  }

  private async sendPendingRuns(conn: Conn): Promise<void> {
    try {
      const pending = await this.o.store.pendingRunsForAgent(conn.agentId, this.o.now());
      for (const run of pending) await this.sendRun(run);
    } catch (e) {
      this.o.log.error("re-sending pending runs failed", { agentId: conn.agentId, error: String(e) });
    }
  }

  private onClose(conn: Conn, code: number): void {
    this.o.metrics?.wsCloses.inc({ code: String(code) });
    this.sweep.remove(conn);
    conn.throttle.stop();
    // A depleted bucket outlives the connection, so reconnecting does not refill it.
    if (this.buckets.get(conn.agentId)?.isFull(this.o.now())) this.buckets.delete(conn.agentId);
    // A replaced connection's runs belong to the newer one; a closing hub records every loss itself.
    if (this.conns.get(conn.agentId) !== conn || this.closing) return;
    this.conns.delete(conn.agentId);
    this.o.log.info("agent disconnected", { agentId: conn.agentId, code });
    this.track(this.linkLost(conn.agentId, conn.linkId));
  }

  /**
   * Which runs a lost link touches: all the agent's live runs, or the one run whose request could not
   * go out. With peers only while that link is the agent's current one (the store checks it in the
   * transition's own transaction), and a lost link's row is removed in that transaction too.
   */
  private linkSelector(agentId: string, linkId: string, runId?: string): RunSelector {
    const link = this.o.peers && { agentId, nodeId: this.o.peers.nodeId, linkId };
    if (runId) return link ? { runId, whileLink: link } : { runId };
    return link ? { agentId, releaseLink: link } : { agentId };
  }

  /** The agent's link is gone: sent runs go back to the queue, runs it holds to delivering. */
  private linkLost(agentId: string, linkId: string): Promise<void> {
    const p = (async () => {
      try {
        await this.transition(this.linkSelector(agentId, linkId), { kind: "link_lost" });
      } catch (e) {
        this.o.log.error("recording a lost agent link failed", { agentId, error: String(e) });
      }
    })();
    this.linkLosses.set(agentId, p);
    void p.finally(() => this.linkLosses.get(agentId) === p && this.linkLosses.delete(agentId));
    return p;
  }

  /** Runs not acknowledged by their pickup deadline expire, each with an audit entry. */
  private async expireRuns(): Promise<void> {
    if (this.expiring || this.closing) return;
    this.expiring = true;
    try {
      const now = this.o.now();
      for (const t of await this.transition({ pickupDueBy: now }, { kind: "expire", now })) {
        if (!t.decision.ok || !t.decision.changed) continue;
        await this.o.store.appendAudit({
          at: now,
          actor: "system",
          action: "run.expire",
          runId: t.runId,
          ticketId: t.ticketId,
          agentId: t.agentId,
          outcome: "expired",
          detail: { pickupBy: t.pickupBy, was: t.from, reason: t.decision.reason },
        });
      }
    } catch (e) {
      this.o.log.error("expiring runs failed", { error: String(e) });
    } finally {
      this.expiring = false;
    }
  }
}
