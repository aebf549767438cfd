// The engineer's support-desk pages (ticket list, ticket, hand-over, verify-fix, close).
import type { PageSpec } from "../page-spec.js";

export const deskPages: PageSpec[] = [];
