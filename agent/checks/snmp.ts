// PLACEHOLDER: replaced by the real snmp check in this session (kept only so the registry compiles).
import { defineCheck } from "./types.js";

export const snmpCheck = defineCheck({
  id: "snmp",
  title: "snmp (not yet implemented)",
  timeoutMs: 1000,
  async run() {
    return { status: "skipped", findings: [], data: {}, skipReason: "not implemented yet" };
  },
});
