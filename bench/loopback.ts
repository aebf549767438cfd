// Small pieces the benches (and the tests that start servers of their own) share: a free loopback
// port, and the ws README's heartbeat that the bare-server baselines run.
import { createServer } from "node:net";
import type { WebSocket, WebSocketServer } from "ws";

/** A port free on 127.0.0.1 right now (for a server that must be told its port, not given port 0). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (typeof a === "object" && a ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * The heartbeat of the ws README on `wss`: every interval, drop who did not pong since the last ping,
 * ping everyone else. Returns the pings sent so far and a stop function.
 */
export function readmeHeartbeat(wss: WebSocketServer, intervalMs: number): { pings: () => number; stop: () => void } {
  const alive = new WeakMap<WebSocket, boolean>();
  let sent = 0;
  wss.on("connection", (ws) => {
    alive.set(ws, true);
    ws.on("pong", () => alive.set(ws, true));
  });
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
      sent++;
    }
  }, intervalMs);
  return { pings: () => sent, stop: () => clearInterval(timer) };
}
