// Runs Debian's real snmpd unprivileged on a free loopback UDP port, configured per test: a v2c
// community, SNMPv3 authPriv users and `override` lines that make it look like a modem (made-up DSL
// figures, a WAN interface that is down). Returns { host, port, close } and kills snmpd by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import snmp from "net-snmp";
import { SEARCH_PATH } from "./system-deps.js";

export interface SnmpdUser {
  name: string;
  /** SHA authentication and AES privacy: the combination the agent's config defaults to. */
  authKey: string;
  privKey: string;
}

/** `override OID TYPE VALUE`; TYPE is one of snmpd's: integer, uinteger, octet_str, object_id, counter, null. */
export interface SnmpdOverride {
  oid: string;
  type: "integer" | "uinteger" | "octet_str" | "object_id" | "counter" | "null";
  value?: string | number;
}

export interface SnmpdOptions {
  community?: string;
  users?: SnmpdUser[];
  overrides?: SnmpdOverride[];
}

export interface Snmpd {
  host: string;
  port: number;
  close(): Promise<void>;
}

const HOST = "127.0.0.1";
const READY_DEADLINE_MS = 10_000;

/** A UDP port that was free a moment ago (bind port 0, read it, close); callers retry on collision. */
async function freeUdpPort(): Promise<number> {
  const sock = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(0, HOST, () => resolve());
  });
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

function configText(port: number, opts: SnmpdOptions): string {
  const q = (s: string) => `"${s.replace(/["\\]/g, "")}"`;
  const lines = [`agentAddress udp:${HOST}:${port}`, `rocommunity ${opts.community ?? "public"} ${HOST}`];
  for (const u of opts.users ?? []) {
    // With -C, createUser in the main config works (checked: snmpd 5.9.3 derives the keys at start).
    lines.push(`createUser ${u.name} SHA ${q(u.authKey)} AES ${q(u.privKey)}`, `rouser ${u.name} priv`);
  }
  for (const o of opts.overrides ?? []) lines.push(`override ${o.oid} ${o.type}${o.value === undefined ? "" : ` ${typeof o.value === "string" && o.type === "octet_str" ? q(o.value) : o.value}`}`);
  return lines.join("\n") + "\n";
}

/** Resolves once snmpd answers an SNMP get on sysUpTime (each poll is a real request, not a sleep). */
async function waitReady(port: number, community: string, proc: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) return false;
    const session = snmp.createSession(HOST, community, { port, version: snmp.Version2c, timeout: 200, retries: 0 });
    session.on("error", () => undefined);
    const ok = await new Promise<boolean>((resolve) => session.get(["1.3.6.1.2.1.1.3.0"], (err) => resolve(!err)));
    session.close();
    if (ok) return true;
  }
  return false;
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  process.kill(proc.pid, "SIGTERM");
  const timer = setTimeout(() => proc.pid !== undefined && proc.exitCode === null && process.kill(proc.pid, "SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

export async function startSnmpd(opts: SnmpdOptions = {}): Promise<Snmpd> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-snmpd-"));
  const community = opts.community ?? "public";
  let lastLog = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeUdpPort();
    const conf = join(dir, "snmpd.conf");
    await writeFile(conf, configText(port, opts), { mode: 0o600 });
    const proc = spawn("snmpd", ["-f", "-Lo", "-C", "-c", conf, "-p", join(dir, "snmpd.pid"), `--persistentDir=${dir}`], {
      // No MIB files: snmpd would otherwise log hundreds of lines about the MIBs Debian does not ship.
      env: { PATH: SEARCH_PATH.join(":"), MIBS: "", MIBDIRS: join(dir, "no-mibs"), LC_ALL: "C" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    proc.stdout?.on("data", (b: Buffer) => void (log += b.toString()));
    proc.stderr?.on("data", (b: Buffer) => void (log += b.toString()));
    const spawnFailed = new Promise<boolean>((resolve) => proc.once("error", () => resolve(false)));
    const ready = await Promise.race([waitReady(port, community, proc), spawnFailed]);
    if (ready) {
      return {
        host: HOST,
        port,
        async close() {
          await stop(proc);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    lastLog = log;
    await stop(proc);
    // Another process took the port between our probe and snmpd's bind: try a new one.
    if (!/Error opening specified endpoint|Address already in use/i.test(log)) break;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`snmpd did not start:\n${lastLog.slice(0, 2000)}`);
}
