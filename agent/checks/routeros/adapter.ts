// node-routeros behind a small adapter that fixes its known failures (LIBRARIES.md "node-routeros"):
// every call settles (rows, or one of five error codes), within its budget, on abort, and never as an
// uncaught exception. The library is discontinued, so the fixes are applied per connection to its
// internals right after RouterOSAPI.connect() creates them (synchronously, before any byte arrives):
//  1. Receiver.processRawData is replaced by a strict framer (framer.ts). `!empty` (RouterOS >= 7.18)
//     is dropped, so the following `!done` resolves the call with []; an unknown reply, a reply for an
//     unknown tag or an impossible length prefix ends the connection as ROUTEROS_FATAL instead of
//     throwing inside the socket's data handler (which crashed the process and hung every call).
//  2. api.on('error') is always attached: an idle SOCKTMOUT or a reset after login is data.
//  3. The port is always passed (the library dials 8728 for `tls` without a port).
//  4. login() is replaced: the library's version leaves a rejected promise unhandled (process crash on
//     Node >= 15) when /login answers with rows it does not expect.
// Errors are normalised in one place (toRosError) to RosErrorCode.
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import type { Socket } from "node:net";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { getSystemErrorName } from "node:util";
import type { IRosOptions } from "node-routeros";
import { resolveHost } from "../../system/resolve-host.js";
import { TIMEOUTS } from "../../timeouts.js";
import { SentenceFramer } from "./framer.js";

import type { RosError, RosErrorCode } from "../../../shared/checks.js";

export type { RosError, RosErrorCode };

export type RosRow = Record<string, string>;
export type RosResult<T> = { ok: true; value: T } | { ok: false; error: RosError };

export interface RosConnectOptions {
  host: string;
  /** Default 8728, or 8729 with tls. */
  port?: number;
  tls: boolean;
  user: string;
  password: string;
  /** Pin the router's certificate by its SHA-256 fingerprint (hex, colons optional). */
  fingerprint256?: string;
  /** Extra CA (PEM) for CA verification when no fingerprint is pinned; default: the system CAs. */
  ca?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Socket idle timeout handed to node-routeros (its keep-alive runs at half of it). */
  idleTimeoutMs?: number;
  signal: AbortSignal;
}

export interface RosSession {
  /** Runs one command (e.g. "/interface/print") and returns its rows; never rejects. */
  print(command: string, args?: Record<string, string> | readonly string[], signal?: AbortSignal): Promise<RosResult<RosRow[]>>;
  /** Closes the connection now; idempotent. */
  close(): void;
}

/** The library internals the adapter touches (all `private` in its typings, present in its JS). */
interface ApiInternals {
  connector?: {
    socket: Socket | TLSSocket;
    receiver: { tags: Map<string, { callback: (packet: string[]) => void }>; processRawData(data: Buffer): void };
    destroy(): void;
  } | null;
  connectionHoldInterval?: ReturnType<typeof setTimeout>;
  keptaliveby?: ReturnType<typeof setTimeout>;
  login(): Promise<unknown>;
  write(params: string[]): Promise<RosRow[]>;
}

const REPLIES = new Set(["!re", "!done", "!trap"]);

/** Pure: the options node-routeros gets. The port is always explicit (fix 3). */
export function rosApiOptions(o: Pick<RosConnectOptions, "host" | "port" | "tls" | "user" | "password" | "fingerprint256" | "ca" | "idleTimeoutMs">): IRosOptions {
  const port = o.port ?? (o.tls ? 8729 : 8728);
  let tls: ConnectionOptions | undefined;
  if (o.tls) {
    tls = o.fingerprint256
      ? // The self-signed router certificate fails chain verification before checkServerIdentity is
        // ever called, so pinning is done on secureConnect (see pinFingerprint) with chain checks off.
        { rejectUnauthorized: false }
      : { rejectUnauthorized: true, ...(o.ca ? { ca: o.ca } : {}) };
    if (!isIP(o.host)) tls.servername = o.host;
  }
  return {
    host: o.host,
    port,
    user: o.user,
    password: o.password,
    timeout: (o.idleTimeoutMs ?? TIMEOUTS.routerosCommandMs) / 1000,
    ...(tls ? { tls: tls as IRosOptions["tls"] } : {}),
  };
}

export function normaliseFingerprint(fp: string): string {
  return fp.replace(/[^0-9a-f]/gi, "").toLowerCase();
}

/** Connects and logs in; resolves with a session or a normalised error, never rejects. */
export async function connectRouterOs(o: RosConnectOptions): Promise<RosResult<RosSession>> {
  const connectMs = o.connectTimeoutMs ?? TIMEOUTS.routerosConnectMs;
  const commandMs = o.commandTimeoutMs ?? TIMEOUTS.routerosCommandMs;
  if (o.signal.aborted) return { ok: false, error: { code: "ROUTEROS_TIMEOUT", message: "cancelled before connecting" } };
  // Resolved here, cancellably: handed a name, the library's net.connect would call dns.lookup,
  // which nothing can cancel. TLS still checks the certificate against the name (servername).
  const resolved = await resolveHost(o.host, { attemptMs: TIMEOUTS.dnsQueryMs, tries: TIMEOUTS.dnsTries, deadlineMs: TIMEOUTS.hostLookupMs, signal: o.signal });
  if (!resolved.ok) {
    return { ok: false, error: { code: resolved.code === "ABORTED" ? "ROUTEROS_TIMEOUT" : "ROUTEROS_UNREACHABLE", message: `cannot resolve ${o.host} (${resolved.code})` } };
  }

  // Loaded on first use: a run without a RouterOS device never pays for the library at start.
  const { RouterOSAPI } = await import("node-routeros");
  const api = new RouterOSAPI({ ...rosApiOptions(o), host: resolved.addresses[0]! });
  const internals = api as unknown as ApiInternals;
  let dead: RosError | undefined;
  let loggedIn = false;
  let lastSocketError: (Error & { code?: string }) | undefined;
  const deadWaiters = new Set<(e: RosError) => void>();

  const kill = (e: RosError) => {
    if (dead) return;
    dead = e;
    clearTimeout(internals.connectionHoldInterval);
    clearTimeout(internals.keptaliveby);
    internals.connector?.socket.destroy();
    internals.connector?.destroy();
    for (const w of deadWaiters) w(e);
    deadWaiters.clear();
  };
  const whenDead = () => new Promise<RosError>((resolve) => (dead ? resolve(dead) : deadWaiters.add(resolve)));

  // Fix 2: after login the library re-emits socket errors and SOCKTMOUT on the api object.
  api.on("error", (e: unknown) => kill(toRosError(e, true, lastSocketError)));
  api.on("close", () =>
    kill(
      loggedIn
        ? { code: "ROUTEROS_FATAL", message: "the router closed the connection" }
        : { code: "ROUTEROS_UNREACHABLE", message: "the router closed the connection before login (API service off or restricted?)" },
    ),
  );
  // Fix 4: our own login (6.43+ plaintext, with the pre-6.43 MD5 challenge when the router asks).
  internals.login = () => login(internals, o.user, o.password);

  const connecting = api.connect() as Promise<unknown>;
  const conn = internals.connector;
  if (!conn) throw new Error("node-routeros did not create its connector synchronously (library changed?)");
  conn.socket.on("error", (e: Error) => (lastSocketError = e));
  // The library writes each word separately: without this, Nagle + delayed ACK add ~40 ms per command.
  conn.socket.setNoDelay(true);
  if (o.tls && o.fingerprint256) pinFingerprint(conn.socket as TLSSocket, o.fingerprint256, (msg) => kill({ code: "ROUTEROS_AUTH_FAILED", message: msg }));
  installFramer(conn, kill);

  const onAbort = () => kill({ code: "ROUTEROS_TIMEOUT", message: "cancelled" });
  o.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(
    () => kill({ code: "ROUTEROS_TIMEOUT", message: `no login within ${connectMs} ms` }),
    connectMs,
  );
  try {
    const outcome = await Promise.race([
      connecting.then(
        () => undefined,
        // Before login, any connection failure means we could not reach a working API.
        (e: unknown) => toRosError(e, false, lastSocketError),
      ),
      whenDead(),
    ]);
    if (outcome) {
      kill(outcome);
      return { ok: false, error: dead ?? outcome };
    }
    loggedIn = true;
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener("abort", onAbort);
  }

  const session: RosSession = {
    async print(command, args = [], signal) {
      if (dead) return { ok: false, error: dead };
      if (signal?.aborted || o.signal.aborted) {
        kill({ code: "ROUTEROS_TIMEOUT", message: "cancelled" });
        return { ok: false, error: dead! };
      }
      const words = [command, ...(Array.isArray(args) ? args : Object.entries(args).map(([k, v]) => `=${k}=${v}`))];
      const abort = () => kill({ code: "ROUTEROS_TIMEOUT", message: `cancelled during ${command}` });
      signal?.addEventListener("abort", abort, { once: true });
      o.signal.addEventListener("abort", abort, { once: true });
      // A RouterOS command cannot be cancelled through node-routeros: a stalled one costs the connection.
      const t = setTimeout(() => kill({ code: "ROUTEROS_TIMEOUT", message: `${command}: no answer within ${commandMs} ms` }), commandMs);
      try {
        return await Promise.race([
          internals.write(words).then(
            (rows): RosResult<RosRow[]> => ({ ok: true, value: rows }),
            (e: unknown): RosResult<RosRow[]> => ({ ok: false, error: dead ?? toRosError(e, true) }),
          ),
          whenDead().then((e): RosResult<RosRow[]> => ({ ok: false, error: e })),
        ]);
      } finally {
        clearTimeout(t);
        signal?.removeEventListener("abort", abort);
        o.signal.removeEventListener("abort", abort);
      }
    },
    close() {
      kill({ code: "ROUTEROS_FATAL", message: "session closed" });
    },
  };
  return { ok: true, value: session };
}

/** Fix 1: a strict framer feeding the library's channels; `!empty` dropped, garbage fatal. */
function installFramer(conn: NonNullable<ApiInternals["connector"]>, kill: (e: RosError) => void): void {
  const framer = new SentenceFramer();
  const receiver = conn.receiver;
  receiver.processRawData = (data: Buffer) => {
    try {
      for (const words of framer.push(data)) {
        const [reply = "", ...rest] = words;
        if (reply === "!fatal") {
          kill({ code: "ROUTEROS_FATAL", message: `router ended the session: ${rest.join(" ") || "(no reason)"}` });
          return;
        }
        if (reply === "!empty") continue; // RouterOS >= 7.18: "no rows"; the `!done` that follows settles the call.
        if (!REPLIES.has(reply)) throw new Error(`unexpected reply ${JSON.stringify(reply.slice(0, 40))}`);
        const tagWord = rest.find((w) => w.startsWith(".tag="));
        // A reply without a tag, or for a command we gave up on, has no one waiting: ignore it.
        const reader = tagWord ? receiver.tags.get(tagWord.slice(5)) : undefined;
        reader?.callback([reply, ...rest.filter((w) => w !== tagWord)]);
      }
    } catch (e) {
      kill({ code: "ROUTEROS_FATAL", message: `protocol error: ${(e as Error).message}` });
    }
  };
}

/** Checks the peer certificate before node-routeros' own secureConnect listener sends the login. */
function pinFingerprint(socket: TLSSocket, expected: string, fail: (msg: string) => void): void {
  socket.prependOnceListener("secureConnect", () => {
    const got = normaliseFingerprint(socket.getPeerCertificate().fingerprint256 ?? "");
    if (got !== normaliseFingerprint(expected)) {
      // Destroyed before the library's listener runs: its login write finds the socket unwritable
      // and is never sent, so the password never reaches an impostor.
      socket.destroy();
      fail(`router certificate SHA-256 ${got || "(none)"} does not match the pinned fingerprint`);
    }
  });
}

async function login(api: ApiInternals, user: string, password: string): Promise<unknown> {
  let rows: RosRow[];
  try {
    rows = await api.write(["/login", `=name=${user}`, `=password=${password}`]);
    const challenge = rows.find((r) => r.ret)?.ret;
    if (challenge) {
      // RouterOS < 6.43: answer the MD5 challenge (0x00 + password + challenge bytes).
      const md5 = createHash("md5").update(Buffer.concat([Buffer.from([0]), Buffer.from(password, "latin1"), Buffer.from(challenge, "hex")])).digest("hex");
      await api.write(["/login", `=name=${user}`, `=response=00${md5}`]);
    }
  } catch (e) {
    throw new LoginRefused((e as Error).message);
  }
  return api;
}

class LoginRefused extends Error {
  override name = "LoginRefused";
}

/** The one place library, socket and trap errors become a RosErrorCode. */
export function toRosError(e: unknown, afterLogin: boolean, socketError?: Error & { code?: string }): RosError {
  if (e instanceof LoginRefused) return { code: "ROUTEROS_AUTH_FAILED", message: `login refused: ${e.message}` };
  const errno = (e as { errno?: unknown })?.errno;
  if (errno === "SOCKTMOUT") return { code: "ROUTEROS_TIMEOUT", message: "socket idle timeout" };
  if (errno === "CANTLOGIN") return { code: "ROUTEROS_AUTH_FAILED", message: "login refused" };
  // RosException wraps socket errors with the numeric errno and drops the text: use the socket's own.
  if (errno !== undefined || socketError) {
    const name = socketError?.code ?? (typeof errno === "number" ? safeErrName(errno) : String(errno));
    const detail = socketError?.message ?? name;
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/.test(name)) return { code: "ROUTEROS_AUTH_FAILED", message: `router TLS certificate rejected: ${detail}` };
    return afterLogin
      ? { code: "ROUTEROS_FATAL", message: `connection lost: ${detail}` }
      : { code: "ROUTEROS_UNREACHABLE", message: `cannot connect: ${detail}` };
  }
  // A `!trap` reaches us as a plain Error carrying the router's message.
  if (e instanceof Error) return { code: "ROUTEROS_TRAP", message: e.message || "trap without message" };
  return { code: "ROUTEROS_FATAL", message: String(e) };
}

function safeErrName(errno: number): string {
  try {
    return getSystemErrorName(errno);
  } catch {
    return `errno ${errno}`;
  }
}
