// A packet socket (AF_PACKET) on one interface, for the DHCP probe on an interface with no IPv4
// address. Node cannot open one, so a tiny python3 helper does (its standard library has AF_PACKET);
// the helper only moves bytes: every header and DHCP byte is built and parsed here in TypeScript.
//
// Why not a UDP socket bound to the device (SO_BINDTODEVICE / IP_UNICAST_IF)? It sends the DISCOVER,
// but on an interface with no address and no route the kernel's reverse-path filter drops the OFFER
// before any UDP socket sees it whenever rp_filter is 1 or 2 (systemd's default is 2). Real DHCP
// clients (dhclient, udhcpc, systemd-networkd, dhcpcd) all read packet sockets for that reason; a
// packet socket also needs no port 68, so it works beside a DHCP client that holds the port.
// docs/checks/dhcp.md has the measurements.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * The helper, run as `python3 -I -c HELPER IFNAME`. Protocol, one line each way:
 *   stdin  "S <hex>"   send this IPv4 packet to the link-layer broadcast address
 *   stdout "READY"     the socket is bound (nothing is lost from here on)
 *          "R <hex>"   an IPv4/UDP packet to port 68 arrived (not one we sent)
 *          "SENT" | "SENDERR <ERRNO>"   the outcome of each "S", in order
 *          "ERR <ERRNO> <message>"      could not open or bind the socket (then exit 3)
 * It exits when stdin closes, so it cannot outlive the agent.
 */
export const PACKET_HELPER = String.raw`
import errno, os, select, socket, sys
ifname = sys.argv[1]
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
def code(e):
    return errno.errorcode.get(e.errno, "EUNKNOWN")
try:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    s.bind((ifname, ETH_P_IP))
except OSError as e:
    print("ERR", code(e), e.strerror, flush=True)
    sys.exit(3)
try:
    with open("/sys/class/net/%s/broadcast" % ifname) as f:
        bcast = bytes.fromhex(f.read().strip().replace(":", ""))
except (OSError, ValueError):
    bcast = b"\xff" * 6
print("READY", flush=True)
pending = b""
while True:
    ready, _, _ = select.select([s, 0], [], [])
    if s in ready:
        data, addr = s.recvfrom(65535)
        if addr[2] != PACKET_OUTGOING and len(data) >= 28 and data[9] == 17:
            ihl = (data[0] & 15) * 4
            if data[ihl + 2:ihl + 4] == b"\x00\x44":
                print("R", data.hex(), flush=True)
    if 0 in ready:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if line.startswith(b"S "):
                try:
                    s.sendto(bytes.fromhex(line[2:].decode()), (ifname, ETH_P_IP, 0, 0, bcast))
                    print("SENT", flush=True)
                except (OSError, ValueError) as e:
                    print("SENDERR", code(e) if isinstance(e, OSError) else "EINVAL", flush=True)
`;

export interface PacketChannel {
  /** Sends one IPv4 packet to the link-layer broadcast address; resolves with an errno code on failure. */
  send(ipPacket: Buffer): Promise<string | undefined>;
  onPacket(cb: (ipPacket: Buffer) => void): void;
  close(): void;
}

export type PacketOpen = { ok: true; channel: PacketChannel } | { ok: false; code: string; reason: string };

export interface PacketOptions {
  /** The python3 to run; default "python3" from PATH. */
  python?: string;
  /** How long the helper may take to start and bind before we give up. */
  startMs: number;
}

/** Pure: the reason text for a helper that could not open its socket, naming the missing capability. */
export function packetOpenFailure(code: string, ifname: string, detail = ""): { ok: false; code: string; reason: string } {
  const reasons: Record<string, string> = {
    ENOENT: "sending DHCP without an IPv4 address needs a packet socket (AF_PACKET), which the agent opens through python3: python3 is not installed",
    EPERM: "a packet socket (AF_PACKET) needs root or CAP_NET_RAW (capabilities given to node do not pass to the python3 helper)",
    EACCES: "a packet socket (AF_PACKET) needs root or CAP_NET_RAW (capabilities given to node do not pass to the python3 helper)",
    EAFNOSUPPORT: "this kernel has no packet sockets (AF_PACKET)",
    ENODEV: `interface ${ifname} does not exist`,
    ENXIO: `interface ${ifname} does not exist`,
    ENETDOWN: `interface ${ifname} is down`,
    HELPER_TIMEOUT: "the python3 packet-socket helper did not start in time",
  };
  const base = reasons[code] ?? `the python3 packet-socket helper failed${detail ? `: ${detail}` : ""}`;
  return { ok: false, code: code === "EACCES" ? "EPERM" : code, reason: `${base} (${code})` };
}

/** Opens the channel on `ifname`; never rejects (a missing python3 or capability is a value). */
export function openPacketChannel(ifname: string, signal: AbortSignal, opts: PacketOptions): Promise<PacketOpen> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve({ ok: false, code: "ABORTED", reason: "cancelled before sending" });
    let child: ChildProcess;
    try {
      // -I: isolated mode (no PYTHON* variables, no user site-packages), so nothing outside this
      // string runs with the agent's privileges. Argument array, no shell; the name was validated.
      child = spawn(opts.python ?? "python3", ["-I", "-c", PACKET_HELPER, ifname], {
        stdio: ["pipe", "pipe", "pipe"],
        env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" },
      });
    } catch (e) {
      return resolve(packetOpenFailure((e as NodeJS.ErrnoException).code ?? "EUNKNOWN", ifname, String(e)));
    }
    let settled = false;
    let stderr = "";
    const listeners: ((p: Buffer) => void)[] = [];
    const sendQueue: ((err: string | undefined) => void)[] = [];
    const kill = () => {
      child.stdin?.end();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    const fail = (r: { ok: false; code: string; reason: string }) => {
      if (settled) return;
      settled = true;
      cleanup();
      kill();
      resolve(r);
    };
    const startTimer = setTimeout(() => fail(packetOpenFailure("HELPER_TIMEOUT", ifname)), opts.startMs);
    const onAbort = () => fail({ ok: false, code: "ABORTED", reason: "cancelled before sending" });
    signal.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(startTimer);
      signal.removeEventListener("abort", onAbort);
    };

    child.on("error", (e: NodeJS.ErrnoException) => fail(packetOpenFailure(e.code ?? "EUNKNOWN", ifname, e.message)));
    child.stdin!.on("error", () => undefined); // EPIPE after the helper exited: reported through exit
    child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    child.on("exit", (code, sig) => {
      for (const r of sendQueue.splice(0)) r("HELPER_EXITED");
      fail(packetOpenFailure("HELPER_EXITED", ifname, `exit ${code ?? sig}${stderr ? `: ${stderr.trim().split("\n").pop()}` : ""}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line === "READY") {
        if (settled) return;
        settled = true;
        cleanup();
        resolve({
          ok: true,
          channel: {
            send: (pkt) =>
              new Promise((res) => {
                if (child.exitCode !== null || child.signalCode !== null || !child.stdin!.writable) return res("HELPER_EXITED");
                sendQueue.push(res);
                child.stdin!.write(`S ${pkt.toString("hex")}\n`);
              }),
            onPacket: (cb) => listeners.push(cb),
            close: kill,
          },
        });
      } else if (line.startsWith("R ")) {
        const pkt = Buffer.from(line.slice(2), "hex");
        for (const cb of listeners) cb(pkt);
      } else if (line === "SENT") {
        sendQueue.shift()?.(undefined);
      } else if (line.startsWith("SENDERR ")) {
        sendQueue.shift()?.(line.slice(8).trim() || "EUNKNOWN");
      } else if (line.startsWith("ERR ")) {
        const [, code = "EUNKNOWN", ...msg] = line.split(" ");
        fail(packetOpenFailure(code, ifname, msg.join(" ")));
      }
    });
  });
}
