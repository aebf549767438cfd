// Wi-Fi link parsing. No wireless hardware exists on the build machines, so the "connected" sample is
// iw's documented `iw dev IF link` layout (iw link.c print_link_sta), not a capture from here.
import { describe, expect, test } from "vitest";
import { dbmToQuality, parseIwLink, readWifi } from "../../../agent/system/wifi.js";
import type { Spawner } from "../../../agent/system/spawn.js";

const CONNECTED = (dbm: number) => `Connected to d4:d7:48:81:68:a0 (on wlan0)
\tSSID: Home Net
\tfreq: 2447
\tRX: 5779050 bytes (38689 packets)
\tTX: 13885 bytes (73 packets)
\tsignal: ${dbm} dBm
\ttx bitrate: 48.0 MBit/s

\tbss flags:\tshort-preamble short-slot-time
\tdtim period:\t0
\tbeacon int:\t85
`;

describe("parseIwLink", () => {
  test.each([
    ["strong", CONNECTED(-37), { iface: "wlan0", ssid: "Home Net", signalDbm: -37, quality: 100 }],
    ["weak", CONNECTED(-88), { iface: "wlan0", ssid: "Home Net", signalDbm: -88, quality: 24 }],
    ["not associated", "Not connected.\n", { iface: "wlan0" }],
    ["not iw output", "command failed: No such device (-19)\n", undefined],
  ])("%s", (_name, text, expected) => {
    expect(parseIwLink("wlan0", text)).toEqual(expected);
  });
});

test.each([
  [-30, 100],
  [-50, 100],
  [-85, 30],
  [-100, 0],
  [-110, 0],
])("dbmToQuality(%i) = %i", (dbm, q) => expect(dbmToQuality(dbm)).toBe(q));

test("readWifi treats a missing iw as not measured", async () => {
  const spawn: Spawner = async () => ({ code: null, stdout: "", stderr: "", spawnError: "ENOENT", aborted: false });
  expect(await readWifi(spawn, ["wlan0"], new AbortController().signal)).toEqual([]);
});

test("readWifi runs `iw dev IF link` per interface with the caller's signal", async () => {
  const calls: { file: string; args: readonly string[]; signal: AbortSignal }[] = [];
  const ac = new AbortController();
  const spawn: Spawner = async (file, args, opts) => {
    calls.push({ file, args, signal: opts.signal });
    return { code: 0, stdout: CONNECTED(-60), stderr: "", aborted: false };
  };
  expect(await readWifi(spawn, ["wlan0"], ac.signal)).toEqual([{ iface: "wlan0", ssid: "Home Net", signalDbm: -60, quality: 80 }]);
  expect(calls).toEqual([{ file: "iw", args: ["dev", "wlan0", "link"], signal: ac.signal }]);
});
