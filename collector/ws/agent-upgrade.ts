// Authenticates an agent BEFORE the WebSocket upgrade completes (ws README pattern): a bad or
// missing credential gets a plain HTTP 401 on the raw socket and never becomes a WebSocket.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { MAX_FRAME_BYTES } from "../../shared/protocol.js";
import { hashSecret, safeEqualHex } from "../../shared/secrets.js";
import type { Logger } from "../../shared/log.js";
import type { AgentHub } from "../hub/agent-hub.js";
import type { Store } from "../store/types.js";
import { addressKey, credentialKey, type FailureLimiter } from "../auth/failure-limiter.js";

export const AGENT_WS_PATH = "/agent/ws";

export interface UpgradeDeps {
  store: Store;
  hub: AgentHub;
  log: Logger;
  now: () => number;
  limiter: FailureLimiter;
  maxAgents: number;
  /**
   * TCP keepalive idle time on agent sockets: a backstop under the heartbeat (the kernel probes even
   * when this process is stuck, and keeps NAT state warm); docs/delivery.md, "Dead links".
   */
  keepAliveMs: number;
}

/** Parses `Authorization: Bearer <agentId>.<secret>`. */
export function parseAgentAuth(header: string | undefined): { agentId: string; secret: string } | undefined {
  const m = /^Bearer\s+([A-Za-z0-9_-]{6,64})\.([A-Za-z0-9_-]{20,200})$/.exec(header ?? "");
  return m ? { agentId: m[1]!, secret: m[2]! } : undefined;
}

/** One shared listener, not a closure per socket: it stays attached for the connection's whole life. */
const ignoreSocketError = (): void => undefined;

export function createAgentUpgradeHandler(d: UpgradeDeps) {
  // perMessageDeflate off: it costs ~24 KB per connection (LIBRARIES.md) and frames are small JSON.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });

  const refuse = (socket: Duplex, status: number, text: string, extra = "") => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${text.length}\r\n\r\n${text}`);
  };

  const shed = (socket: Duplex) => refuse(socket, 503, "Service Unavailable", `Retry-After: ${5 + Math.floor(Math.random() * 25)}\r\n`);

  const handler = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on("error", ignoreSocketError); // a peer resetting mid-handshake must not crash the process
    const remote = req.socket.remoteAddress ?? "?";
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== AGENT_WS_PATH) return refuse(socket, 404, "Not Found");
    // Shed load with a hint instead of falling over; agents back off with jitter. Checked here first
    // so a flood at capacity costs no store lookups, and again right before attaching (below).
    if (d.hub.connectedCount() >= d.maxAgents) return shed(socket);
    const cred = parseAgentAuth(req.headers.authorization);
    // Read before the lookup: a revocation or re-key that lands while it is in flight moves the epoch,
    // and attach() then closes the socket instead of keeping a connection the change should have ended.
    const epoch = cred ? d.hub.credentialEpoch(cred.agentId) : 0;
    const agent = cred ? await d.store.getAgent(cred.agentId) : undefined;
    const ok = cred && agent && agent.revokedAt === undefined && safeEqualHex(agent.secretHash, hashSecret(cred.secret));
    // A valid credential always passes (checked first, whatever others did from this address). A
    // failure is charged to the revoked agent itself, or else (a guess) to the address.
    if (!ok) {
      const reason = !cred ? "malformed" : !agent ? "unknown agent" : agent.revokedAt !== undefined ? "revoked" : "bad secret";
      const keys = [reason === "revoked" ? credentialKey("agent", cred!.agentId) : addressKey("agent", remote)];
      d.limiter.fail(keys, d.now());
      // Decided now, by this failure's own count, not by those that land during the audit write.
      const waitMs = d.limiter.retryAfterMsAny(keys, d.now());
      d.log.warn("agent authentication failed", { remote, agentId: cred?.agentId, reason });
      await d.store.appendAudit({ at: d.now(), actor: cred ? `agent:${cred.agentId}` : `remote:${remote}`, action: "agent.connect", outcome: "denied", ...(cred ? { agentId: cred.agentId } : {}), detail: { reason, remote } });
      if (waitMs > 0) return refuse(socket, 429, "Too Many Requests", `Retry-After: ${Math.ceil(waitMs / 1000)}\r\n`);
      return refuse(socket, 401, "Unauthorized");
    }
    // Checked after authentication, so the 429 tells nothing to someone who does not hold the secret.
    const blockedMs = d.hub.blockedForMs(cred.agentId);
    if (blockedMs > 0) {
      d.log.warn("blocked agent refused", { agentId: cred.agentId, remote, blockedMs });
      return refuse(socket, 429, "Too Many Requests", `Retry-After: ${Math.ceil(blockedMs / 1000)}\r\n`);
    }
    // The definitive limit check: the store lookup above awaited, so a burst of upgrades all passed the
    // first check before any was attached (test/faults/reconnect-storm.test.ts saw 11 of 10). From here
    // to attach() nothing awaits. An agent replacing its own (maybe half-dead) connection takes no new slot.
    if (!d.hub.isConnected(cred.agentId) && d.hub.connectedCount() >= d.maxAgents) return shed(socket);
    (socket as Socket).setKeepAlive?.(true, d.keepAliveMs);
    wss.handleUpgrade(req, socket, head, (ws) => d.hub.attach(cred.agentId, ws, remote, epoch));
  };

  return {
    handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      handler(req, socket, head).catch((e) => {
        d.log.error("upgrade failed", { error: String(e) });
        refuse(socket, 500, "Internal Server Error");
      });
    },
    close: () => wss.close(),
  };
}
