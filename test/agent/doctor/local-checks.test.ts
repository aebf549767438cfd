// doctor's checks of local things, on real files: the config (missing, unreadable, invalid, open to
// others, fine), the state dir and outbox (none yet, readable, damaged, full, unreadable, not
// writable), the DHCP probe's privileges (from /proc/self/status texts) and the clock (Date headers).
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assessClock, MAX_CLOCK_SKEW_MS } from "../../../agent/doctor/clock-check.js";
import { checkConfig } from "../../../agent/doctor/config-check.js";
import { checkOutbox } from "../../../agent/doctor/outbox-check.js";
import { assessPrivileges } from "../../../agent/doctor/privileges-check.js";
import { encodeRecord, OUTBOX_MAGIC } from "../../../agent/link/file-outbox.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nd-doctor-local-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string | Buffer, mode = 0o600): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, content, { mode });
  await chmod(p, mode);
  return p;
}

describe("config", () => {
  test("a valid config readable only by its owner is fine", async () => {
    const p = await file("ok.json", JSON.stringify({ targets: { anchors: ["127.0.0.1"] } }));
    const r = await checkConfig(p);
    expect(r.finding).toMatchObject({ status: "ok", code: "CONFIG_OK" });
    expect(r.config?.targets.anchors).toEqual(["127.0.0.1"]);
  });

  test("no config: a warning (not enrolled), and the defaults for the other checks", async () => {
    const r = await checkConfig(join(dir, "none.json"));
    expect(r.finding).toMatchObject({ status: "warn", code: "CONFIG_MISSING" });
    expect(r.config).toBeDefined();
  });

  test.each([
    ["not JSON", "{ nope"],
    ["against the schema", JSON.stringify({ targets: { anchors: [] } })],
    ["an unknown locale", JSON.stringify({ locale: "fr" })],
  ])("a config that is invalid (%s) fails and says why", async (_n, text) => {
    const r = await checkConfig(await file(`bad-${_n.length}.json`, text));
    expect(r.finding).toMatchObject({ status: "fail", code: "CONFIG_INVALID" });
    expect(String(r.finding.vars.problem).length).toBeGreaterThan(3);
    expect(r.config).toBeUndefined();
  });

  test("a config other accounts can read fails: it holds the agent secret", async () => {
    const p = await file("open.json", "{}", 0o644);
    expect((await checkConfig(p)).finding).toMatchObject({ status: "fail", code: "CONFIG_TOO_OPEN", vars: { mode: "0644" } });
  });

  test("a config that cannot be read fails with the error", async () => {
    const p = join(dir, "a-directory.json");
    await mkdir(p);
    expect((await checkConfig(p)).finding).toMatchObject({ status: "fail", code: "CONFIG_UNREADABLE", vars: { error: "EISDIR" } });
  });
});

describe("state dir and outbox", () => {
  const records = (n: number) => Buffer.concat(Array.from({ length: n }, () => encodeRecord({ k: "seen", runIds: [] })));

  test("a state dir that does not exist yet but can be made, with no outbox: fine", async () => {
    expect(await checkOutbox(join(dir, "fresh", "state"), 1 << 20)).toMatchObject({ status: "ok", code: "OUTBOX_NONE_YET" });
  });

  test("an outbox whose records all decode: fine", async () => {
    const s = join(dir, "s-ok");
    await mkdir(s);
    await writeFile(join(s, "outbox.log"), Buffer.concat([OUTBOX_MAGIC, records(3)]));
    expect(await checkOutbox(s, 1 << 20)).toMatchObject({ status: "ok", code: "OUTBOX_OK", vars: { records: 3 } });
  });

  test("damage in the middle is a warning with what is still readable", async () => {
    const s = join(dir, "s-damaged");
    await mkdir(s);
    await writeFile(join(s, "outbox.log"), Buffer.concat([OUTBOX_MAGIC, records(1), Buffer.from("garbage!garbage!"), records(2)]));
    expect(await checkOutbox(s, 1 << 20)).toMatchObject({ status: "warn", code: "OUTBOX_DAMAGED", vars: { regions: 1, records: 3 } });
  });

  test("an outbox at its size limit fails: new runs are refused", async () => {
    const s = join(dir, "s-full");
    await mkdir(s);
    await writeFile(join(s, "outbox.log"), Buffer.concat([OUTBOX_MAGIC, records(40)]));
    expect(await checkOutbox(s, 200)).toMatchObject({ status: "fail", code: "OUTBOX_FULL", vars: { max: 200 } });
  });

  test("an outbox that cannot be read fails", async () => {
    const s = join(dir, "s-unreadable");
    await mkdir(join(s, "outbox.log"), { recursive: true });
    expect(await checkOutbox(s, 1 << 20)).toMatchObject({ status: "fail", code: "OUTBOX_UNREADABLE", vars: { error: "EISDIR" } });
  });

  test("a state dir that is a file (or under one) cannot be written", async () => {
    const f = await file("not-a-dir", "x");
    expect(await checkOutbox(f, 1 << 20)).toMatchObject({ status: "fail", code: "STATE_DIR_NOT_WRITABLE", vars: { error: "ENOTDIR" } });
    expect(await checkOutbox(join(f, "below"), 1 << 20)).toMatchObject({ status: "fail", code: "STATE_DIR_NOT_WRITABLE" });
  });
});

describe("privileges for the DHCP probe", () => {
  const status = (capEff: string) => `Name:\tnode\nUid:\t1000\t1000\t1000\t1000\nCapInh:\t0000000000000000\nCapPrm:\t${capEff}\nCapEff:\t${capEff}\n`;
  test.each([
    [0, status("0000000000000000"), "ok", "PRIVILEGES_ROOT"],
    // Bits 10 (NET_BIND_SERVICE) and 13 (NET_RAW): what the systemd unit grants.
    [1000, status("0000000000002400"), "ok", "PRIVILEGES_CAPS"],
    [1000, status("0000000000002000"), "warn", "PRIVILEGES_PARTIAL"],
    [1000, status("0000000000000400"), "warn", "PRIVILEGES_PARTIAL"],
    [1000, status("0000000000000000"), "fail", "PRIVILEGES_MISSING"],
    [1000, undefined, "fail", "PRIVILEGES_MISSING"],
  ] as const)("uid %d with %j: %s %s", (uid, text, st, code) => {
    expect(assessPrivileges(uid, text)).toMatchObject({ status: st, code });
  });

  test("this process's own /proc/self/status reads the same way the probe reads it", () => {
    const own = readFileSync("/proc/self/status", "utf8");
    expect(assessPrivileges(process.getuid?.(), own).status).not.toBe("skip");
  });
});

describe("clock against the collector's Date header", () => {
  const remote = Date.parse("2024-05-06T09:00:00Z");
  const date = new Date(remote).toUTCString();
  test.each([
    ["the same second", 0, "ok", "CLOCK_OK"],
    ["4 minutes ahead", 4 * 60_000, "ok", "CLOCK_OK"],
    ["just past the limit ahead", MAX_CLOCK_SKEW_MS + 1000, "fail", "CLOCK_SKEWED"],
    ["an hour behind", -3600_000, "fail", "CLOCK_SKEWED"],
  ] as const)("%s", (_n, offsetMs, st, code) => {
    expect(assessClock(remote + offsetMs, date)).toMatchObject({ status: st, code });
  });
  test("no Date header, or a broken one: not compared", () => {
    expect(assessClock(remote, undefined)).toMatchObject({ status: "skip", code: "CLOCK_UNKNOWN" });
    expect(assessClock(remote, "yesterday-ish")).toMatchObject({ status: "skip", code: "CLOCK_UNKNOWN" });
  });
  test("the skew is named in minutes with both clocks", () => {
    expect(assessClock(remote - 3600_000, date).vars).toMatchObject({ minutes: 60, remote: "2024-05-06T09:00:00.000Z", local: "2024-05-06T08:00:00.000Z" });
  });
});
