// Throwaway network namespaces for tests: unique names, created and deleted by the test itself, never
// linked to the host namespace (network safety: nothing a test sends can leave them).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";

const pexec = promisify(execFile);

/** true when this process can create namespaces (root with iproute2). Lab tests skip otherwise. */
export async function canUseNetns(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  try {
    await pexec("ip", ["netns", "list"]);
    return true;
  } catch {
    return false;
  }
}

export async function sh(cmd: string, args: string[], timeoutMs = 15_000): Promise<{ stdout: string; stderr: string }> {
  return pexec(cmd, args, { timeout: timeoutMs, env: { ...process.env, LC_ALL: "C" } });
}

export interface Netns {
  name: string;
  /** Runs a command inside the namespace (argument array, no shell). */
  exec(cmd: string, args: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/** Creates a namespace `nd-<prefix>-<random>` with lo up and its own empty resolv.conf. */
export async function createNetns(prefix: string): Promise<Netns> {
  const name = `nd-${prefix}-${randomBytes(3).toString("hex")}`.slice(0, 31);
  await sh("ip", ["netns", "add", name]);
  // `ip netns exec` bind-mounts /etc/netns/NAME/resolv.conf: give it one so nothing asks the host's resolver.
  await mkdir(`/etc/netns/${name}`, { recursive: true });
  await writeFile(`/etc/netns/${name}/resolv.conf`, "# netdiag test namespace: no resolver\n");
  const exec = (cmd: string, args: string[], timeoutMs?: number) =>
    sh("ip", ["netns", "exec", name, cmd, ...args], timeoutMs);
  await exec("ip", ["link", "set", "lo", "up"]);
  return {
    name,
    exec,
    async close() {
      await sh("ip", ["netns", "pids", name]).then(async ({ stdout }) => {
        for (const pid of stdout.split(/\s+/).filter(Boolean)) {
          try {
            process.kill(Number(pid), "SIGKILL");
          } catch {
            /* already gone */
          }
        }
      }, () => undefined);
      await sh("ip", ["netns", "del", name]).catch(() => undefined);
      await rm(`/etc/netns/${name}`, { recursive: true, force: true });
    },
  };
}

/** Links two namespaces with a veth pair created straight into both (the host never sees it). */
export async function linkNetns(a: Netns, ifA: string, b: Netns, ifB: string): Promise<void> {
  await sh("ip", ["link", "add", ifA, "netns", a.name, "type", "veth", "peer", "name", ifB, "netns", b.name]);
}
