// PLACEHOLDER: replaced by the real dhcp check in this session (kept only so the registry compiles).
import { defineCheck } from "./types.js";

export const dhcpCheck = defineCheck({
  id: "dhcp",
  title: "dhcp (not yet implemented)",
  timeoutMs: 1000,
  async run() {
    return { status: "skipped", findings: [], data: {}, skipReason: "not implemented yet" };
  },
});
