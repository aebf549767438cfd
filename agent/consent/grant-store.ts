// The customer's grants on disk: one JSON file in the agent's state dir, mode 0600, replaced atomically
// (write a temp file, rename) under a lock file, because `netdiag-agent authorize/revoke` and the
// running agent (approving a request) may write it at the same time.
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { randomId } from "../../shared/secrets.js";
import { Grant, GrantFile } from "./grant.js";

export const GRANTS_FILE = "grants.json";

/** A writer holds the lock for milliseconds; one older than this was left by a crashed process. */
const STALE_LOCK_MS = 10_000;
/** How long a writer waits for the lock before giving up with an error. */
const LOCK_WAIT_MS = 5_000;
const LOCK_RETRY_MS = 20;

export class GrantStoreError extends Error {
  readonly code = "GRANT_STORE_INVALID";
}

export type NewGrant = Omit<Grant, "id" | "revokedAt">;
export type RevokeWhat = { grantId: string } | { ticketId: string } | { all: true };

export class GrantStore {
  readonly path: string;
  constructor(readonly stateDir: string) {
    this.path = join(stateDir, GRANTS_FILE);
  }

  /** Every grant on file (a missing file is no grants; a corrupt one is an error, never "allow"). */
  async list(): Promise<Grant[]> {
    let raw: string;
    try {
      raw = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new GrantStoreError(`grant file ${this.path} is not valid JSON`);
    }
    const parsed = GrantFile.safeParse(json);
    if (!parsed.success) throw new GrantStoreError(`grant file ${this.path} is invalid:\n${z.prettifyError(parsed.error)}`);
    return parsed.data.grants;
  }

  async add(g: NewGrant): Promise<Grant> {
    const grant = Grant.parse({ ...g, id: randomId("grt_") });
    await this.update((gs) => [...gs, grant]);
    return grant;
  }

  /** Marks matching grants revoked (the first revocation time is kept); returns those newly revoked. */
  async revoke(what: RevokeWhat, now: number): Promise<Grant[]> {
    const changed: Grant[] = [];
    await this.update((gs) =>
      gs.map((g) => {
        const hit = "all" in what || ("grantId" in what ? g.id === what.grantId : g.ticketId === what.ticketId);
        if (!hit || g.revokedAt !== undefined) return g;
        const r = { ...g, revokedAt: now };
        changed.push(r);
        return r;
      }),
    );
    return changed;
  }

  private async update(fn: (gs: Grant[]) => Grant[]): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const release = await this.lock();
    try {
      const next = GrantFile.parse({ version: 1, grants: fn(await this.list()) });
      const tmp = `${this.path}.tmp-${process.pid}`;
      await writeFile(tmp, JSON.stringify(next, null, 2) + "\n", { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, this.path);
    } finally {
      await release();
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fh = await open(lockPath, "wx", 0o600);
        await fh.close();
        return () => rm(lockPath, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > STALE_LOCK_MS) await rm(lockPath, { force: true });
        else if (Date.now() > deadline) throw new GrantStoreError(`grant file is locked (${lockPath}); another netdiag-agent is writing it`);
        else await new Promise((r) => setTimeout(r, LOCK_RETRY_MS));
      }
    }
  }
}
