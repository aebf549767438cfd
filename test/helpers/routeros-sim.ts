// A RouterOS API simulator on 127.0.0.1 port 0: the real wire protocol (routeros-wire.ts), login,
// a programmable router state, RouterOS >= 7.18 `!empty` or legacy replies, optional TLS (api-ssl) with
// a self-signed certificate made by the openssl CLI, and misbehaviours (stall, drop, reset, garbage, fatal).
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { promisify } from "node:util";
import { encodeSentence, SentenceDecoder } from "./routeros-wire.js";

const pexec = promisify(execFile);

export interface SimInterface {
  name: string;
  type: string;
  running: boolean;
  disabled: boolean;
  rxError: number;
  txError: number;
  rxPacket: number;
  txPacket: number;
  linkDowns: number;
}

export interface SimState {
  resource: { uptime: string; version: string; cpuLoad: number; freeMemory: number; totalMemory: number; boardName: string };
  interfaces: SimInterface[];
  /** /interface/ethernet/monitor answers by interface name. */
  ethernet: Record<string, { status: string; rate?: string; fullDuplex?: boolean }>;
  dhcpClients: { interface: string; status: string; address?: string; gateway?: string; expiresAfter?: string; disabled?: boolean }[];
  addresses: { address: string; network: string; interface: string }[];
  routes: { dstAddress: string; gateway: string; immediateGw?: string; active: boolean; disabled?: boolean }[];
  /** Router-side ping: echo replies answered per address (missing = none answer). */
  pingReplies: Record<string, number>;
  log: { time: string; topics: string; message: string }[];
}

export type Misbehaviour = "stall" | "drop" | "reset" | "garbage" | "fatal";

export interface SimOptions {
  user?: string;
  password?: string;
  /** "7.18": empty results are `!empty` + `!done` (RouterOS >= 7.18); "legacy": just `!done`. */
  mode?: "7.18" | "legacy";
  tls?: boolean;
  state?: SimState;
  /** Misbehave on this command word ("/login", "/ip/route/print", …) or on "connect" (right after accept). */
  misbehave?: { on: string; action: Misbehaviour };
}

export interface RouterosSim {
  host: string;
  port: number;
  state: SimState;
  /** SHA-256 fingerprint of the TLS certificate ("AB:CD:…"), when tls. */
  fingerprint256?: string;
  certPem?: string;
  /** Every sentence received, in order (for assertions such as "no /login was sent"). */
  received: string[][];
  setMisbehaviour(m: SimOptions["misbehave"]): void;
  /** Resolves once a client connection has been closed by either side. */
  nextDisconnect(): Promise<void>;
  close(): Promise<void>;
}

export function healthyState(): SimState {
  const iface = (name: string, type: string): SimInterface => ({
    name, type, running: true, disabled: false, rxError: 0, txError: 0, rxPacket: 100000, txPacket: 90000, linkDowns: 0,
  });
  return {
    resource: { uptime: "2w3d4h5m6s", version: "7.18.2 (stable)", cpuLoad: 3, freeMemory: 180000000, totalMemory: 268435456, boardName: "hAP ax2" },
    interfaces: [iface("ether1", "ether"), iface("ether2", "ether"), iface("bridge", "bridge")],
    ethernet: { ether1: { status: "link-ok", rate: "1Gbps", fullDuplex: true }, ether2: { status: "link-ok", rate: "1Gbps", fullDuplex: true } },
    dhcpClients: [{ interface: "ether1", status: "bound", address: "203.0.113.45/24", gateway: "203.0.113.1", expiresAfter: "9m50s" }],
    addresses: [
      { address: "203.0.113.45/24", network: "203.0.113.0", interface: "ether1" },
      { address: "10.88.0.1/24", network: "10.88.0.0", interface: "bridge" },
    ],
    routes: [
      { dstAddress: "0.0.0.0/0", gateway: "203.0.113.1", immediateGw: "203.0.113.1%ether1", active: true },
      { dstAddress: "10.88.0.0/24", gateway: "bridge", active: true },
    ],
    pingReplies: { "198.18.0.10": 3 },
    log: [
      { time: "10:01:02", topics: "system,info", message: "user admin logged in" },
      { time: "10:02:03", topics: "dhcp,info", message: "dhcp-client on ether1 got IP address 203.0.113.45" },
      { time: "10:03:04", topics: "interface,info", message: "ether1 link up (speed 1G, full duplex)" },
    ],
  };
}

let certCache: Promise<{ key: string; cert: string }> | undefined;
/** One self-signed certificate per test process (openssl CLI, EC P-256: fast to make). */
function selfSignedCert(): Promise<{ key: string; cert: string }> {
  certCache ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "ros-sim-"));
    try {
      await pexec("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2", "-subj", "/CN=router.test",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:router.test"], { timeout: 15_000 });
      return { key: await readFile(join(dir, "key.pem"), "utf8"), cert: await readFile(join(dir, "cert.pem"), "utf8") };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return certCache;
}

const yesNo = (b: boolean | undefined) => (b ? "true" : "false");

export async function startRouterosSim(opts: SimOptions = {}): Promise<RouterosSim> {
  const user = opts.user ?? "admin";
  const password = opts.password ?? "s3cret";
  const mode = opts.mode ?? "7.18";
  let misbehave = opts.misbehave;
  const state = opts.state ?? healthyState();
  const received: string[][] = [];
  const sockets = new Set<Socket>();
  const disconnectWaiters: (() => void)[] = [];

  const handle = (sock: Socket) => {
    sockets.add(sock);
    sock.on("error", () => undefined); // a client reset is a normal event for a simulator
    sock.on("close", () => {
      sockets.delete(sock);
      disconnectWaiters.splice(0).forEach((w) => w());
    });
    if (misbehave?.on === "connect" && act(sock, misbehave.action, undefined)) return;
    const decoder = new SentenceDecoder();
    let loggedIn = false;
    sock.on("data", (chunk: Buffer) => {
      let sentences: string[][];
      try {
        sentences = decoder.push(chunk);
      } catch {
        sock.destroy();
        return;
      }
      for (const words of sentences) {
        received.push(words);
        const [command = "", ...rest] = words;
        const attrs = new Map<string, string>();
        const query = new Map<string, string>();
        let tag: string | undefined;
        for (const w of rest) {
          if (w.startsWith(".tag=")) tag = w.slice(5);
          else if (w.startsWith("=")) {
            const i = w.indexOf("=", 1);
            attrs.set(i < 0 ? w.slice(1) : w.slice(1, i), i < 0 ? "" : w.slice(i + 1));
          } else if (w.startsWith("?")) {
            const i = w.indexOf("=", 1);
            if (i > 0) query.set(w.slice(1, i), w.slice(i + 1));
          }
        }
        if (misbehave?.on === command && act(sock, misbehave.action, tag)) return;
        const t = tag === undefined ? [] : [`.tag=${tag}`];
        const out: string[][] = [];
        const trap = (message: string) => out.push(["!trap", `=message=${message}`, ...t], ["!done", ...t]);
        if (command === "/login") {
          if (attrs.get("name") === user && attrs.get("password") === password) {
            loggedIn = true;
            out.push(["!done", ...t]);
          } else trap("invalid user name or password (6)");
        } else if (!loggedIn) {
          trap("not logged in");
        } else {
          const rows = answer(state, command, attrs);
          if (rows === undefined) trap("no such command prefix");
          else if (typeof rows === "string") trap(rows);
          else {
            const matching = rows.filter((r) => [...query].every(([k, v]) => r[k] === v));
            for (const r of matching) out.push(["!re", ...Object.entries(r).map(([k, v]) => `=${k}=${v}`), ...t]);
            if (matching.length === 0 && mode === "7.18") out.push(["!empty", ...t]);
            out.push(["!done", ...t]);
          }
        }
        // One write per reply batch, like a router answering a command.
        sock.write(Buffer.concat(out.map(encodeSentence)));
      }
    });
  };

  let server: Server;
  let fingerprint256: string | undefined;
  let certPem: string | undefined;
  if (opts.tls) {
    const { key, cert } = await selfSignedCert();
    certPem = cert;
    fingerprint256 = new X509Certificate(cert).fingerprint256;
    server = createTlsServer({ key, cert }, handle);
  } else {
    server = createServer(handle);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("sim did not bind");

  return {
    host: "127.0.0.1",
    port: address.port,
    state,
    ...(fingerprint256 ? { fingerprint256 } : {}),
    ...(certPem ? { certPem } : {}),
    received,
    setMisbehaviour: (m) => void (misbehave = m),
    nextDisconnect: () => new Promise<void>((resolve) => disconnectWaiters.push(resolve)),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Carries out a misbehaviour; true when the normal answer must not be sent. */
function act(sock: Socket, action: Misbehaviour, tag: string | undefined): boolean {
  switch (action) {
    case "stall":
      return true;
    case "drop":
      sock.end();
      return true;
    case "reset":
      sock.resetAndDestroy();
      return true;
    case "garbage":
      // A reply word nobody knows, then bytes whose first is a reserved length prefix (0xF8).
      sock.write(Buffer.concat([encodeSentence(["!bogus", ...(tag ? [`.tag=${tag}`] : [])]), Buffer.from([0xf8, 1, 2, 3, 4, 5])]));
      return true;
    case "fatal":
      sock.end(encodeSentence(["!fatal", "session terminated on request"]));
      return true;
  }
}

type Row = Record<string, string>;

/** The router's answer to a command: rows, a trap message, or undefined for an unknown command. */
function answer(s: SimState, command: string, attrs: Map<string, string>): Row[] | string | undefined {
  switch (command) {
    case "/system/resource/print":
      return [{
        uptime: s.resource.uptime, version: s.resource.version, "cpu-load": String(s.resource.cpuLoad),
        "free-memory": String(s.resource.freeMemory), "total-memory": String(s.resource.totalMemory), "board-name": s.resource.boardName,
      }];
    case "/interface/print":
      return s.interfaces.map((i, n) => ({
        ".id": `*${n + 1}`, name: i.name, type: i.type, running: yesNo(i.running), disabled: yesNo(i.disabled),
        "rx-error": String(i.rxError), "tx-error": String(i.txError), "rx-packet": String(i.rxPacket),
        "tx-packet": String(i.txPacket), "link-downs": String(i.linkDowns),
      }));
    case "/interface/ethernet/monitor": {
      const name = attrs.get("numbers") ?? "";
      const e = s.ethernet[name];
      if (!e) return "no such item";
      return [{ name, status: e.status, ...(e.rate ? { rate: e.rate } : {}), ...(e.fullDuplex !== undefined ? { "full-duplex": yesNo(e.fullDuplex) } : {}) }];
    }
    case "/ip/dhcp-client/print":
      return s.dhcpClients.map((d, n) => ({
        ".id": `*${n + 1}`, interface: d.interface, status: d.status, disabled: yesNo(d.disabled),
        ...(d.address ? { address: d.address } : {}), ...(d.gateway ? { gateway: d.gateway } : {}),
        ...(d.expiresAfter ? { "expires-after": d.expiresAfter } : {}),
      }));
    case "/ip/address/print":
      return s.addresses.map((a, n) => ({ ".id": `*${n + 1}`, address: a.address, network: a.network, interface: a.interface }));
    case "/ip/route/print":
      return s.routes.map((r, n) => ({
        ".id": `*${n + 1}`, "dst-address": r.dstAddress, gateway: r.gateway, active: yesNo(r.active), disabled: yesNo(r.disabled),
        ...(r.immediateGw ? { "immediate-gw": r.immediateGw } : {}),
      }));
    case "/ping": {
      const host = attrs.get("address") ?? "";
      const count = Number(attrs.get("count") ?? "4");
      const answered = Math.min(count, s.pingReplies[host] ?? 0);
      const rows: Row[] = [];
      for (let i = 0; i < count; i++) {
        const received = Math.min(i + 1, answered);
        const base = { seq: String(i), host, sent: String(i + 1), received: String(received), "packet-loss": String(Math.round(((i + 1 - received) * 100) / (i + 1))) };
        rows.push(i < answered ? { ...base, size: "56", ttl: "60", time: `${12 + i}ms${100 * i}us`, "min-rtt": "12ms", "avg-rtt": "13ms", "max-rtt": `${12 + i}ms` } : { ...base, status: "timeout" });
      }
      return rows;
    }
    case "/log/print":
      return s.log.map((l, n) => ({ ".id": `*${n + 1}`, time: l.time, topics: l.topics, message: l.message }));
    default:
      return undefined;
  }
}
