// The grant file: 0600, replaced atomically, revocation by id / ticket / all, a corrupt file is an error.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { GrantStore, GrantStoreError } from "../../../agent/consent/grant-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-grants-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { agentId: "agt_1", checks: ["dns" as const], notBefore: 1, notAfter: 1000, createdAt: 1, createdBy: "customer" as const };

describe("GrantStore", () => {
  test("a missing file is no grants; added grants are stored 0600 with no temp or lock file left", async () => {
    const s = new GrantStore(join(dir, "state"));
    expect(await s.list()).toEqual([]);
    const a = await s.add({ ...base, ticketId: "tkt_one" });
    expect(a.id).toMatch(/^grt_/);
    expect((await stat(s.path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, "state"))).toEqual(["grants.json"]);
    expect(JSON.parse(await readFile(s.path, "utf8")).grants[0].id).toBe(a.id);
  });

  test("concurrent writers do not lose grants (lock file)", async () => {
    const s = new GrantStore(dir);
    await Promise.all(Array.from({ length: 8 }, (_, i) => new GrantStore(dir).add({ ...base, ticketId: `tkt_${i}xxxx` })));
    expect((await s.list()).map((g) => g.ticketId).sort()).toHaveLength(8);
  });

  test("revoke by id, by ticket, all; an earlier revocation time is kept", async () => {
    const s = new GrantStore(dir);
    const a = await s.add({ ...base, ticketId: "tkt_one" });
    const b = await s.add({ ...base, ticketId: "tkt_two" });
    const c = await s.add({ ...base, ticketId: "tkt_two" });
    expect((await s.revoke({ grantId: a.id }, 10)).map((g) => g.id)).toEqual([a.id]);
    expect((await s.revoke({ ticketId: "tkt_two" }, 20)).map((g) => g.id).sort()).toEqual([b.id, c.id].sort());
    expect(await s.revoke({ all: true }, 30)).toEqual([]);
    expect((await s.list()).map((g) => g.revokedAt)).toEqual([10, 20, 20]);
  });

  test("a corrupt or hand-edited invalid file is an error, never an empty (or permissive) list", async () => {
    const s = new GrantStore(dir);
    await writeFile(s.path, "{not json");
    await expect(s.list()).rejects.toBeInstanceOf(GrantStoreError);
    await writeFile(s.path, JSON.stringify({ version: 1, grants: [{ ...base, id: "grt_aaaaaaaa", ticketId: "tkt_one", checks: ["format-disk"] }] }));
    await expect(s.list()).rejects.toBeInstanceOf(GrantStoreError);
  });
});
