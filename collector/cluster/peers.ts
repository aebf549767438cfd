// What the agent hub needs from the other collectors (collector/cluster/node.ts implements it for
// PostgreSQL; a single process has none and the hub behaves exactly as it always did).
import type { ClusterSignal } from "./signal.js";

export interface HubPeers {
  /** This process's node id (logs, /healthz, /metrics, the agent_links rows). */
  readonly nodeId: string;
  /**
   * After hello: records (nodeId, linkId) as the agent's current link in the store and tells the other
   * nodes, so one still holding an older socket of the agent closes it. Resolves after the commit;
   * a link-lost of an older link from then on changes nothing (collector/store/sql-links.ts).
   */
  linkTaken(agentId: string, linkId: string): Promise<void>;
  /** Sends a signal to the other nodes after the data it points to was committed (fire and forget). */
  signal(s: ClusterSignal): void;
  /** Agents whose current link is on a live node (this one included), from the store. */
  connectedAgents(): Promise<Set<string>>;
}
