// PLACEHOLDER: replaced by the real path check in this session (kept only so the registry compiles).
import { defineCheck } from "./types.js";

export const pathCheck = defineCheck({
  id: "path",
  title: "path (not yet implemented)",
  timeoutMs: 1000,
  async run() {
    return { status: "skipped", findings: [], data: {}, skipReason: "not implemented yet" };
  },
});
