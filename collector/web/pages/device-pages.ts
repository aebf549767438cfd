// The field technician's pages: the agents (sites) and each one's device state.
import type { PageSpec } from "../page-spec.js";

export const devicePages: PageSpec[] = [];
