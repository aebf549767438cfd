// The scenario table itself (no root needed): names unique, enough of them, every fault and every
// variant value of scripts/lab.sh exercised, every expected cause known with the right segment.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { CAUSES } from "../../agent/verdict/causes.js";
import { LAB_SCRIPT } from "../helpers/lab.js";
import { byVariant, expectedCauses, SCENARIOS, SHARDS } from "./scenarios.js";

const pexec = promisify(execFile);
const labSh = async (cmd: string) => (await pexec(LAB_SCRIPT, [cmd], { env: { ...process.env, LC_ALL: "C" } })).stdout.trim().split("\n");

describe("lab scenario table", () => {
  test("at least 30 scenarios with unique names, the six of issue 9 among them", () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length);
    for (const f of ["isp-uplink-down", "nat-missing", "dhcp-off-no-address", "isp-resolver-down", "pc-resolver-misconfigured", "pc-firewall-drops-web"]) {
      expect(SCENARIOS.some((s) => s.fault === f), f).toBe(true);
    }
  });

  test("every variant has a healthy scenario that must come out none/NONE", () => {
    for (const g of byVariant()) {
      const healthy = g.scenarios.find((s) => s.fault === "healthy");
      expect(healthy?.expected, g.variant).toEqual({ segment: "none", cause: "NONE" });
    }
  });

  test("every lab fault and every variant value is exercised", async () => {
    const faults = await labSh("faults");
    expect(faults.filter((f) => !SCENARIOS.some((s) => s.fault === f))).toEqual([]);
    expect(SCENARIOS.filter((s) => !faults.includes(s.fault)).map((s) => s.name)).toEqual([]);
    const used = new Set(SCENARIOS.flatMap((s) => (s.variant === "default" ? [] : s.variant.split(","))));
    const values = (await labSh("variants")).flatMap((line) => {
      const [key, vals] = line.split(": ");
      return (vals ?? "").split(" ").slice(1).map((v) => `${key}=${v}`); // the first value is the default
    });
    expect(values.filter((kv) => !used.has(kv))).toEqual([]);
  });

  test("every expected cause exists in the verdict's closed set with the scenario's segment", () => {
    for (const s of SCENARIOS) {
      const causes = expectedCauses(s);
      if (causes.length > 1) expect(s.expected.causesWhy, s.name).toBeTruthy();
      for (const c of causes) {
        // UNDETERMINED names no segment of its own: the scenario gives the nearest candidate.
        if (c === "UNDETERMINED") continue;
        const segment = c in CAUSES ? CAUSES[c as keyof typeof CAUSES].segment : undefined;
        expect(segment, `${s.name}: cause ${c}`).toBe(s.expected.segment);
      }
    }
  });

  test("the shards cover every scenario exactly once", () => {
    const shards = Object.values(SHARDS);
    for (const s of SCENARIOS) expect(shards.filter((f) => f(s)).length, s.name).toBe(1);
  });
});
