// The lab router's RouterOS API (scripts/lab.sh, variant routeros=on): the RouterOS simulator of
// test/helpers/routeros-sim.ts (the real API wire protocol) behind a front socket on the router's LAN
// address, run by lab.sh inside the home namespace. Before each client session the simulator's state
// is read from the namespace itself: interfaces with their link state and counters, addresses, the
// routing table, and the router's own ping to the anchors, so the API reports what the router really
// sees under every fault. Usage (lab.sh does this):
//   node dist/bench/lab-routeros.js --listen IP:PORT --user U --password P --wan IF --anchors A,B
import { execFile } from "node:child_process";
import net from "node:net";
import { parseArgs, promisify } from "node:util";
import { healthyState, startRouterosSim, type SimInterface, type SimState } from "../test/helpers/routeros-sim.js";

const pexec = promisify(execFile);

interface IpLink {
  ifname: string;
  flags: string[];
  linkinfo?: { info_kind?: string };
  stats64?: { rx?: { packets?: number; errors?: number }; tx?: { packets?: number; errors?: number } };
}
interface IpAddr {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  type?: string;
  flags?: string[];
}

async function ipJson<T>(args: string[]): Promise<T[]> {
  const { stdout } = await pexec("ip", ["-j", ...args], { timeout: 3000, env: { ...process.env, LC_ALL: "C" } });
  return JSON.parse(stdout || "[]") as T[];
}

function networkOf(address: string, prefixLen: number): string {
  const n = address.split(".").reduce((acc, o) => (acc << 8) | Number(o), 0) >>> 0;
  const mask = prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
  const m = (n & mask) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join(".");
}

/** Echo replies out of three from this namespace (the router's own /ping), bounded to ~1 s. */
async function pingReplies(host: string): Promise<number> {
  try {
    const { stdout } = await pexec("ping", ["-n", "-q", "-c", "3", "-i", "0.2", "-W", "0.5", "-w", "1", "--", host], { timeout: 3000, env: { ...process.env, LC_ALL: "C" } });
    return Number(/(\d+) received/.exec(stdout)?.[1] ?? 0);
  } catch (e) {
    // ping exits 1 when nothing answered; its output still says how many did.
    return Number(/(\d+) received/.exec(String((e as { stdout?: string }).stdout ?? ""))?.[1] ?? 0);
  }
}

async function readState(wan: string, anchors: string[]): Promise<Partial<SimState>> {
  const [links, addrs, routes, pings] = await Promise.all([
    ipJson<IpLink>(["-d", "-s", "link", "show"]),
    ipJson<IpAddr>(["-4", "addr", "show"]),
    ipJson<IpRoute>(["-4", "route", "show"]),
    Promise.all(anchors.map(async (a) => [a, await pingReplies(a)] as const)),
  ]);
  const up = (l: IpLink) => l.flags.includes("UP");
  const running = (l: IpLink) => up(l) && l.flags.includes("LOWER_UP");
  const interfaces: SimInterface[] = links
    .filter((l) => l.ifname !== "lo")
    .map((l) => ({
      name: l.ifname,
      type: l.linkinfo?.info_kind === "bridge" ? "bridge" : "ether",
      running: running(l),
      disabled: !up(l),
      rxError: l.stats64?.rx?.errors ?? 0,
      txError: l.stats64?.tx?.errors ?? 0,
      rxPacket: l.stats64?.rx?.packets ?? 0,
      txPacket: l.stats64?.tx?.packets ?? 0,
      linkDowns: 0,
    }));
  const ethernet: SimState["ethernet"] = {};
  for (const l of links) if (l.ifname !== "lo" && l.linkinfo?.info_kind !== "bridge") ethernet[l.ifname] = running(l) ? { status: "link-ok", rate: "1Gbps", fullDuplex: true } : { status: "no-link" };
  const wanLink = links.find((l) => l.ifname === wan);
  return {
    interfaces,
    ethernet,
    // The lab's WAN is addressed statically: no DHCP client on the router.
    dhcpClients: [],
    addresses: addrs.flatMap((a) => a.addr_info.filter((i) => i.family === "inet").map((i) => ({ address: `${i.local}/${i.prefixlen}`, network: networkOf(i.local, i.prefixlen), interface: a.ifname }))),
    routes: routes
      .filter((r) => r.type === undefined || r.type === "unicast")
      .map((r) => ({
        dstAddress: r.dst === "default" ? "0.0.0.0/0" : r.dst.includes("/") ? r.dst : `${r.dst}/32`,
        gateway: r.gateway ?? r.dev ?? "",
        ...(r.gateway && r.dev ? { immediateGw: `${r.gateway}%${r.dev}` } : {}),
        active: !(r.flags ?? []).includes("linkdown"),
      })),
    pingReplies: Object.fromEntries(pings),
    log: [
      { time: "09:00:00", topics: "system,info", message: "router rebooted" },
      { time: "09:00:05", topics: "interface,info", message: `${wan} link ${wanLink && running(wanLink) ? "up (speed 1G, full duplex)" : "down"}` },
    ],
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { listen: { type: "string" }, user: { type: "string" }, password: { type: "string" }, wan: { type: "string", default: "wan0" }, anchors: { type: "string", default: "" } },
  });
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(values.listen ?? "");
  if (!m || !values.user || values.password === undefined) throw new Error("usage: lab-routeros --listen IP:PORT --user U --password P [--wan IF] [--anchors A,B]");
  const wan = values.wan ?? "wan0";
  const anchors = (values.anchors ?? "").split(",").filter(Boolean);
  const state = healthyState();
  state.resource = { ...state.resource, uptime: "1d2h3m4s", boardName: "netdiag-lab" };
  const sim = await startRouterosSim({ user: values.user, password: values.password, mode: "7.18", state });
  const front = net.createServer((client) => {
    client.pause();
    client.on("error", () => client.destroy());
    // Fresh state for every session, before the client's first command is read.
    readState(wan, anchors)
      .then((fresh) => Object.assign(sim.state, fresh))
      .catch((e: unknown) => process.stderr.write(`state refresh failed: ${String(e)}\n`))
      .finally(() => {
        const back = net.connect(sim.port, sim.host);
        back.on("error", () => client.destroy());
        client.on("close", () => back.destroy());
        back.on("close", () => client.destroy());
        client.pipe(back);
        back.pipe(client);
        client.resume();
      });
  });
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(Number(m[2]), m[1], () => resolve());
  });
  console.log("ready");
  const stop = () => {
    front.close();
    void sim.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
