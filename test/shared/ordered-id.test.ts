// orderedId (shared/secrets.ts): ids made one after another sort (as bytes, as both store engines
// order TEXT) in the order they were made, also many within one millisecond and when the clock steps back.
import { afterEach, expect, test, vi } from "vitest";
import { Id } from "../../shared/protocol.js";
import { orderedId } from "../../shared/secrets.js";

afterEach(() => vi.useRealTimers());

test("ids sort in creation order within a millisecond, across milliseconds and after the clock steps back", () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(1_700_000_000_000);
  const ids: string[] = [];
  for (let i = 0; i < 2000; i++) ids.push(orderedId("evt_"));
  vi.setSystemTime(1_700_000_000_001);
  for (let i = 0; i < 5; i++) ids.push(orderedId("evt_"));
  vi.setSystemTime(1_699_999_999_000); // NTP steps the clock back
  for (let i = 0; i < 5; i++) ids.push(orderedId("evt_"));
  const byBytes = [...ids].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
  expect(byBytes).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids.slice(0, 3)) expect(Id.safeParse(id).success).toBe(true);
});
