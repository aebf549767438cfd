import { describe, expect, test } from "vitest";
import { parseCapEff } from "../../../agent/system/privileges.js";

describe("parseCapEff", () => {
  test.each([
    ["root's full set", "Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n", { netBindService: true, netRaw: true }],
    ["an unprivileged user", "CapEff:\t0000000000000000\n", { netBindService: false, netRaw: false }],
    ["setcap cap_net_bind_service (bit 10)", "CapEff:\t0000000000000400\n", { netBindService: true, netRaw: false }],
    ["setcap cap_net_raw (bit 13)", "CapEff:\t0000000000002000\n", { netBindService: false, netRaw: true }],
  ])("%s", (_name, text, want) => {
    expect(parseCapEff(text)).toEqual(want);
  });

  test("no CapEff line: unknown", () => {
    expect(parseCapEff("Name:\tnode\n")).toBeUndefined();
  });
});
