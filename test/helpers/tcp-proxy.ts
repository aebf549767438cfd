// A TCP proxy on 127.0.0.1 port 0 in front of a loopback server, for fault tests: cut (destroy every
// connection, as a crashed NAT or a pulled cable with RST would), stall (stop forwarding without
// closing: the dead link only heartbeats can detect; both directions, or one, as when only the
// agent's packets are dropped), throttle (bytes per second, both directions) and resume. New
// connections made while stalled are accepted but also get no bytes through the stalled direction.
import { createServer, connect, type AddressInfo, type Socket } from "node:net";

export interface TcpProxy {
  /** http://127.0.0.1:PORT, to hand to clients instead of the target's URL. */
  url: string;
  port: number;
  /** Connections accepted so far (each reconnect counts). */
  readonly accepted: number;
  /** Destroys every open connection (both sides see a reset/close at once). */
  cut(): void;
  /**
   * Stops forwarding (both directions by default; "toServer" = client->target only, "toClient" =
   * target->client only); bytes queue up until resume() or cut().
   */
  stall(direction?: StallDirection): void;
  /** Forwards at most this many bytes per second in each direction (undefined = unlimited). */
  throttle(bytesPerS: number | undefined): void;
  resume(): void;
  close(): Promise<void>;
}

export type StallDirection = "both" | "toServer" | "toClient";

interface Pipe {
  client: Socket;
  upstream: Socket;
}

/** Throttle granularity: bytes are released in slices every TICK_MS. */
const TICK_MS = 20;

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const pipes = new Set<Pipe>();
  const stalledDir = { toServer: false, toClient: false };
  let stalled = false;
  let rate: number | undefined;
  let accepted = 0;

  // One direction of one connection: a queue drained when not stalled, at `rate` when throttled.
  const forward = (from: Socket, to: Socket, dir: "toServer" | "toClient") => {
    const queue: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const drain = () => {
      timer = undefined;
      if (stalledDir[dir] || to.destroyed) return;
      let budget = rate === undefined ? Infinity : Math.max(1, Math.floor((rate * TICK_MS) / 1000));
      while (queue.length && budget > 0) {
        const head = queue[0]!;
        if (head.length <= budget) {
          queue.shift();
          budget -= head.length;
          to.write(head);
        } else {
          to.write(head.subarray(0, budget));
          queue[0] = head.subarray(budget);
          budget = 0;
        }
      }
      if (queue.length) timer = setTimeout(drain, TICK_MS);
      else if (ended) to.end(); // FIN only after every queued byte went through
    };
    from.on("data", (d: Buffer) => {
      queue.push(d);
      if (!timer) drain();
    });
    from.on("end", () => {
      ended = true;
      if (!timer) drain();
    });
    return { kick: () => !timer && drain(), stop: () => clearTimeout(timer) };
  };

  const directions = new Set<{ kick(): void; stop(): void }>();
  // While stalled, a side that closes does not close the other: nothing crosses a dead link, so each
  // side must find out by itself (heartbeats). On resume the survivor is reset, as a NAT that lost the
  // flow answers the next packet with RST.
  const orphans = new Set<Socket>();
  const server = createServer((client) => {
    accepted++;
    const upstream = connect(targetPort, targetHost);
    const pipe = { client, upstream };
    pipes.add(pipe);
    const a = forward(client, upstream, "toServer");
    const b = forward(upstream, client, "toClient");
    directions.add(a).add(b);
    let finished = false;
    const done = (closed: Socket) => {
      if (finished) return;
      finished = true;
      pipes.delete(pipe);
      directions.delete(a);
      directions.delete(b);
      a.stop();
      b.stop();
      const other = closed === client ? upstream : client;
      if (stalled && !other.destroyed) {
        orphans.add(other);
        other.once("close", () => orphans.delete(other));
      } else other.destroy();
    };
    for (const s of [client, upstream]) {
      s.on("error", () => done(s));
      s.on("close", () => done(s));
    }
  });
  const reset = (s: Socket) => {
    try {
      s.resetAndDestroy();
    } catch {
      s.destroy(); // not connected yet: nothing to reset
    }
  };
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;

  const proxy: TcpProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted;
    },
    cut() {
      for (const p of [...pipes]) {
        reset(p.client);
        reset(p.upstream);
      }
      for (const o of [...orphans]) reset(o);
    },
    stall(direction = "both") {
      stalled = true;
      stalledDir.toServer = direction !== "toClient";
      stalledDir.toClient = direction !== "toServer";
    },
    throttle(bytesPerS) {
      rate = bytesPerS;
      for (const d of directions) d.kick();
    },
    resume() {
      stalled = false;
      stalledDir.toServer = stalledDir.toClient = false;
      rate = undefined;
      for (const o of [...orphans]) reset(o);
      for (const d of directions) d.kick();
    },
    async close() {
      proxy.cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return proxy;
}
