// The skip reasons name what is missing and how to get it (test/helpers/system-deps.ts).
import { describe, expect, test } from "vitest";
import { hasCommand, requireAll, requireCommand, titled } from "./system-deps.js";

describe("system-deps", () => {
  test("a present command needs nothing; a missing one names its Debian package and the install script", () => {
    expect(hasCommand("sh")).toBe(true);
    expect(requireCommand("sh", "dash")).toBeUndefined();
    expect(requireCommand("netdiag-no-such-tool", "netdiag-tools")).toBe("needs netdiag-no-such-tool (Debian package netdiag-tools; scripts/install-test-deps.sh installs it)");
  });

  test("the first missing requirement is the reason; the title carries it", () => {
    expect(requireAll(undefined, "needs root", "needs x")).toBe("needs root");
    expect(requireAll(undefined, undefined)).toBeUndefined();
    expect(titled("lab", "needs root")).toBe("lab [skipped: needs root]");
    expect(titled("lab", undefined)).toBe("lab");
  });
});
