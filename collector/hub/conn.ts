// One agent's live connection as the hub keeps it. A class, so what a connection does (heartbeat
// peer, frame-throttle hooks, socket listeners) lives once on the prototype instead of as ten
// closures and a hooks object per connection, and the refusal map is made only for a connection that
// meets a refusal: at ~19,000 idle agents per collector that was about 1 KB of heap each
// (docs/bench.md, "fleet"). What the hub does about an event stays in the hub, behind ConnOwner.
import type WebSocket from "ws";
import { randomId } from "../../shared/secrets.js";
import type { AppendRefusal } from "../store/types.js";
import { FrameThrottle, type ThrottleHooks, type TokenBucket } from "./frame-throttle.js";
import type { HeartbeatPeer } from "./heartbeat.js";

/** The hub's side: one object for every connection. */
export interface ConnOwner {
  /** Anything arrived on the socket (before the throttle). */
  received(conn: Conn, data: Buffer, isBinary: boolean): void;
  /** A frame within the agent's rate, in arrival order. */
  deliver(conn: Conn, data: Buffer, isBinary: boolean): void;
  /** Frames kept arriving while reading was paused (frame-throttle.ts). */
  overflow(conn: Conn): void;
  /** No pong since the last ping. */
  missedHeartbeat(conn: Conn): void;
  closed(conn: Conn, code: number): void;
  socketError(conn: Conn, e: Error): void;
}

/** Nothing to wait for: one shared settled promise rather than one per connection. */
export const SETTLED: Promise<void> = Promise.resolve();

const CONN = Symbol("netdiag.conn");
type Tagged = WebSocket & { [CONN]?: Conn };

// Shared socket listeners: EventEmitter calls them with the socket as `this`.
function onPong(this: Tagged): void {
  const c = this[CONN];
  if (c) c.alive = true;
}
function onMessage(this: Tagged, data: WebSocket.RawData, isBinary: boolean): void {
  const c = this[CONN];
  c?.owner.received(c, data as Buffer, isBinary);
}
function onClose(this: Tagged, code: number): void {
  const c = this[CONN];
  c?.owner.closed(c, code);
}
function onError(this: Tagged, e: Error): void {
  const c = this[CONN];
  c?.owner.socketError(c, e);
}

export class Conn implements HeartbeatPeer, ThrottleHooks {
  alive = true;
  /** This connection's id: with peers, the store's agent_links row names it while it is the agent's current link. */
  readonly linkId = randomId("lnk_");
  helloSeen = false;
  /**
   * Settles once hello was handled (pending run requests re-sent). Later frames wait for it, so the
   * collector always re-sends before it stores what the agent replays: the agent sees every re-sent
   * request and deduplicates it (docs/delivery.md).
   */
  ready: Promise<void> = SETTLED;
  /** Holds frames beyond the agent's rate (frame-throttle.ts). */
  readonly throttle: FrameThrottle;
  private refusals: Map<string, AppendRefusal> | undefined;

  constructor(
    readonly owner: ConnOwner,
    readonly agentId: string,
    readonly ws: WebSocket,
    readonly remote: string,
    bucket: TokenBucket,
    maxBacklogBytes: number,
    now: () => number,
  ) {
    this.throttle = new FrameThrottle(bucket, maxBacklogBytes, now, this);
    (ws as Tagged)[CONN] = this;
    ws.on("pong", onPong);
    ws.on("message", onMessage);
    ws.on("close", onClose);
    ws.on("error", onError);
  }

  /**
   * Refusals already reported on this connection ("runId|code"): each is logged, audited and counted
   * as a violation once; the events after it that meet the same refusal only get the error frame.
   * Runs refused as a whole (their run.offline was refused) map to that refusal, so their later
   * events are refused with the same reason instead of counting as UNKNOWN_RUN. Made on first use.
   */
  get refused(): Map<string, AppendRefusal> {
    return (this.refusals ??= new Map());
  }

  /** The refusal remembered under this key, if any (without making the map). */
  refusedFor(key: string): AppendRefusal | undefined {
    return this.refusals?.get(key);
  }

  ping(): void {
    this.ws.ping();
  }
  kill(): void {
    this.owner.missedHeartbeat(this);
  }
  deliver(data: Buffer, isBinary: boolean): void {
    this.owner.deliver(this, data, isBinary);
  }
  pause(): void {
    this.ws.pause();
  }
  resume(): void {
    this.ws.resume();
  }
  overflow(): void {
    this.owner.overflow(this);
  }
}
