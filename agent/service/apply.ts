// Carries out a service plan (plan.ts) on the machine, or under a --root DIR prefix (an image being
// built, or a test's temporary root): files through node:fs, accounts through useradd/userdel
// (--prefix DIR under a root), units through systemctl (--root=DIR under a root). Argument arrays,
// never a shell.
import { chmod, chown, copyFile, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { spawnProcess, type Spawner } from "../system/spawn.js";
import { describeAction, type ServiceAction } from "./plan.js";

export interface ApplyEnv {
  /** "/" for the running system, else the directory every path is under. */
  root: string;
  spawn?: Spawner;
  /** Each action's line as it is done. */
  report: (line: string) => void;
}

export class ServiceApplyError extends Error {
  override name = "ServiceApplyError";
}

/** A path of the target system as seen from here. */
export function onTarget(root: string, path: string): string {
  return root === "/" ? path : join(root, path);
}

/** uid/gid of `user` on the target: `id` on the running system (NSS included), else the root's /etc/passwd. */
export async function lookupUser(root: string, user: string, spawn: Spawner = spawnProcess): Promise<{ uid: number; gid: number } | undefined> {
  if (root === "/") {
    const signal = AbortSignal.timeout(5000);
    const [u, g] = await Promise.all([spawn("id", ["-u", "--", user], { signal, timeoutMs: 5000 }), spawn("id", ["-g", "--", user], { signal, timeoutMs: 5000 })]);
    if (u.code !== 0 || g.code !== 0) return undefined;
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  let passwd: string;
  try {
    passwd = await readFile(join(root, "etc", "passwd"), "utf8");
  } catch {
    return undefined;
  }
  return parsePasswd(passwd, user);
}

/** Pure: uid and gid of `user` in an /etc/passwd text. */
export function parsePasswd(passwd: string, user: string): { uid: number; gid: number } | undefined {
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f[0] === user && f.length >= 4 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!)) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

export async function applyActions(actions: readonly ServiceAction[], env: ApplyEnv): Promise<void> {
  const spawn = env.spawn ?? spawnProcess;
  const at = (p: string) => onTarget(env.root, p);
  const owner = async (user: string) => {
    const id = await lookupUser(env.root, user, spawn);
    if (!id) throw new ServiceApplyError(`user ${user} does not exist${env.root === "/" ? "" : ` under ${env.root}`}`);
    return id;
  };
  const run = async (file: string, args: string[]) => {
    const r = await spawn(file, args, { signal: AbortSignal.timeout(120_000), timeoutMs: 120_000 });
    if (r.code !== 0) throw new ServiceApplyError(`${file} ${args.join(" ")} failed${r.spawnError ? ` (${r.spawnError}: is ${file} installed?)` : ` (exit ${r.code})`}: ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
  };
  const prefix = env.root === "/" ? [] : ["--prefix", env.root];

  for (const a of actions) {
    switch (a.kind) {
      case "useradd":
        await run("useradd", [...prefix, "--system", "--user-group", "--no-create-home", "--home-dir", a.home, "--shell", a.shell, "--", a.user]);
        break;
      case "userdel":
        if (await lookupUser(env.root, a.user, spawn)) await run("userdel", [...prefix, "--", a.user]);
        break;
      case "mkdir": {
        await mkdir(at(a.path), { recursive: true, mode: a.mode });
        await chmod(at(a.path), a.mode);
        if (a.owner) {
          const id = await owner(a.owner);
          await chown(at(a.path), id.uid, id.gid);
        }
        break;
      }
      case "copy": {
        // Through a temporary name: a running service never sees half a program.
        const tmp = `${at(a.to)}.tmp-${process.pid}`;
        await copyFile(a.from, tmp);
        await chmod(tmp, a.mode);
        await rename(tmp, at(a.to));
        break;
      }
      case "write": {
        await mkdir(dirname(at(a.path)), { recursive: true, mode: 0o755 });
        const tmp = `${at(a.path)}.tmp-${process.pid}`;
        await writeFile(tmp, a.content, { mode: a.mode });
        await chmod(tmp, a.mode);
        if (a.owner) {
          const id = await owner(a.owner);
          await chown(tmp, id.uid, id.gid);
        }
        await rename(tmp, at(a.path));
        break;
      }
      case "chown": {
        const id = await owner(a.owner);
        await chownTree(at(a.path), id.uid, id.gid);
        break;
      }
      case "remove":
        await rm(at(a.path), { recursive: true, force: true });
        break;
      case "systemctl":
        await run("systemctl", a.args);
        break;
      case "systemctl-root":
        await run("systemctl", [`--root=${env.root}`, ...a.args]);
        break;
    }
    env.report(`done: ${describeAction(a)}`);
  }
}

/** chown -R without following symbolic links (a link in the state dir must not hand over its target). */
async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const s = await lstat(path);
  if (s.isSymbolicLink()) return;
  await chown(path, uid, gid);
  if (s.isDirectory()) for (const name of await readdir(path)) await chownTree(join(path, name), uid, gid);
}
