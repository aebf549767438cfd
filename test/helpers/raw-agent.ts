// A raw agent WebSocket for tests that misbehave on purpose (no CollectorLink: no outbox, no replay,
// no backoff): it sends exactly the frames the test writes and records every frame it gets back.
import WebSocket from "ws";
import { PROTOCOL_VERSION, ServerFrame } from "../../shared/protocol.js";

export interface RawAgent {
  ws: WebSocket;
  frames: ServerFrame[];
  closed: Promise<{ code: number; reason: string }>;
  /** The first frame of this type (already received, or the next one). */
  next(type: ServerFrame["type"]): Promise<ServerFrame>;
  /** Sends a value as one JSON text frame. */
  sendJson(v: unknown): void;
}

export type RawConnect = { ok: true; live: RawAgent } | { ok: false; status: number; retryAfter?: string };

/** Opens `/agent/ws` on `collectorUrl` as this agent; sends hello unless told not to. */
export function connectRaw(collectorUrl: string, agentId: string, secret: string, hello = true): Promise<RawConnect> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${collectorUrl.replace(/^http/, "ws")}/agent/ws`, { headers: { authorization: `Bearer ${agentId}.${secret}` }, perMessageDeflate: false });
    const frames: ServerFrame[] = [];
    const waiters: { type: string; r: (f: ServerFrame) => void }[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on("close", (code, reason) => r({ code, reason: String(reason) })));
    ws.on("error", () => undefined);
    ws.on("message", (d) => {
      const f = ServerFrame.parse(JSON.parse(String(d)));
      frames.push(f);
      for (const w of waiters.splice(0)) {
        if (w.type === f.type) w.r(f);
        else waiters.push(w);
      }
    });
    const next = (type: string) => {
      const seen = frames.find((f) => f.type === type);
      return seen ? Promise.resolve(seen) : new Promise<ServerFrame>((r) => waiters.push({ type, r }));
    };
    ws.on("unexpected-response", (_req, res) => {
      const retryAfter = res.headers["retry-after"];
      resolve({ ok: false, status: res.statusCode ?? 0, ...(retryAfter ? { retryAfter: String(retryAfter) } : {}) });
      ws.terminate();
    });
    ws.on("open", () => {
      if (hello) ws.send(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, agentVersion: "test", checks: ["ping"] }));
      resolve({ ok: true, live: { ws, frames, closed, next, sendJson: (v) => ws.send(JSON.stringify(v)) } });
    });
  });
}

/** connectRaw that must succeed; resolves after the welcome frame. */
export async function connectRawOk(collectorUrl: string, agentId: string, secret: string): Promise<RawAgent> {
  const c = await connectRaw(collectorUrl, agentId, secret);
  if (!c.ok) throw new Error(`expected to connect, got HTTP ${c.status}`);
  await c.live.next("welcome");
  return c.live;
}
