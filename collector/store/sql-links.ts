// Which collector holds each agent's WebSocket link, and which collectors are alive (several
// collectors on one database: collector/cluster/, docs/cluster.md). Portable SQL, both engines.
//
// On hello a node records (node id, link id) as the agent's current link; a link-lost applies to the
// agent's runs only while that link is still current, checked and cleared in the transition's own
// transaction (transitionRuns with releaseLink/whileLink). So a node that notices an old socket late
// cannot knock back the runs the agent is running through another node. Nodes heartbeat into
// cluster_nodes; an agent is connected when its current link is on a node whose heartbeat is fresh.
import type { LinkRef } from "./types.js";
import type { SqlDb, Tx } from "./sql.js";

/**
 * The appended migration (collector/store/migrations.ts), in the portable spelling the migration list
 * translates for PostgreSQL (INTEGER becomes BIGINT there: epoch ms).
 */
export const LINKS_MIGRATION = {
  name: "several collectors: each agent's current link and the live nodes",
  steps: [
    `CREATE TABLE agent_links (
      agent_id TEXT PRIMARY KEY REFERENCES agents (id),
      node_id TEXT NOT NULL,
      link_id TEXT NOT NULL,
      since INTEGER NOT NULL
    ) STRICT`,
    `CREATE INDEX agent_links_node ON agent_links (node_id)`,
    `CREATE TABLE cluster_nodes (
      node_id TEXT PRIMARY KEY,
      started_at INTEGER NOT NULL,
      heartbeat_at INTEGER NOT NULL
    ) STRICT`,
  ],
} as const;

export interface CurrentLink {
  nodeId: string;
  linkId: string;
  since: number;
}

export interface NodeRow {
  nodeId: string;
  startedAt: number;
  heartbeatAt: number;
}

export interface LinkStore {
  /** Makes this the agent's current link (replacing any other, on any node). */
  claim(link: LinkRef, now: number): Promise<void>;
  current(agentId: string): Promise<CurrentLink | undefined>;
  /** Agents whose current link is on a node that heartbeat at or after `aliveSince`. */
  connectedAgents(aliveSince: number): Promise<Set<string>>;
  /** The links a node holds (a dead node's, to release them). */
  linksOf(nodeId: string): Promise<LinkRef[]>;
  /** The node is alive now (inserted on the first beat). */
  heartbeat(nodeId: string, startedAt: number, now: number): Promise<void>;
  nodes(): Promise<NodeRow[]>;
  /** Removes the node's row once it holds no link (a node that left, or a dead one whose links were released). */
  forgetNode(nodeId: string): Promise<boolean>;
}

/** pg returns BIGINT as a string: every number read here goes through Number(). */
const num = (v: unknown): number => Number(v);

/**
 * In a transition's transaction: removes the agent's link row if it is `link`; true when it was the
 * current link (then the link-lost applies), false when the agent has a newer link or none.
 */
export async function releaseLinkTx(tx: Tx, link: LinkRef): Promise<boolean> {
  const r = await tx.run("DELETE FROM agent_links WHERE agent_id = ? AND node_id = ? AND link_id = ?", [link.agentId, link.nodeId, link.linkId]);
  return r.changes > 0;
}

/** In a transition's transaction: whether `link` is the agent's current link (the row stays locked until COMMIT on PostgreSQL). */
export async function isCurrentLinkTx(tx: Tx, link: LinkRef, forUpdate: string): Promise<boolean> {
  const r = await tx.get("SELECT 1 AS one FROM agent_links WHERE agent_id = ? AND node_id = ? AND link_id = ?" + forUpdate, [link.agentId, link.nodeId, link.linkId]);
  return r !== undefined;
}

export class SqlLinks implements LinkStore {
  constructor(private readonly db: SqlDb) {}

  async claim(link: LinkRef, now: number): Promise<void> {
    await this.db.write((tx) =>
      tx.run(
        `INSERT INTO agent_links (agent_id, node_id, link_id, since) VALUES (?, ?, ?, ?)
         ON CONFLICT (agent_id) DO UPDATE SET node_id = excluded.node_id, link_id = excluded.link_id, since = excluded.since`,
        [link.agentId, link.nodeId, link.linkId, now],
      ),
    );
  }

  async current(agentId: string): Promise<CurrentLink | undefined> {
    const r = await this.db.get<{ node_id: string; link_id: string; since: unknown }>("SELECT node_id, link_id, since FROM agent_links WHERE agent_id = ?", [agentId]);
    return r && { nodeId: r.node_id, linkId: r.link_id, since: num(r.since) };
  }

  async connectedAgents(aliveSince: number): Promise<Set<string>> {
    const rows = await this.db.all<{ agent_id: string }>(
      "SELECT l.agent_id FROM agent_links l JOIN cluster_nodes n ON n.node_id = l.node_id WHERE n.heartbeat_at >= ?",
      [aliveSince],
    );
    return new Set(rows.map((r) => r.agent_id));
  }

  async linksOf(nodeId: string): Promise<LinkRef[]> {
    const rows = await this.db.all<{ agent_id: string; link_id: string }>("SELECT agent_id, link_id FROM agent_links WHERE node_id = ? ORDER BY agent_id", [nodeId]);
    return rows.map((r) => ({ agentId: r.agent_id, nodeId, linkId: r.link_id }));
  }

  async heartbeat(nodeId: string, startedAt: number, now: number): Promise<void> {
    await this.db.write((tx) =>
      tx.run(
        `INSERT INTO cluster_nodes (node_id, started_at, heartbeat_at) VALUES (?, ?, ?)
         ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
        [nodeId, startedAt, now],
      ),
    );
  }

  async nodes(): Promise<NodeRow[]> {
    const rows = await this.db.all<{ node_id: string; started_at: unknown; heartbeat_at: unknown }>("SELECT node_id, started_at, heartbeat_at FROM cluster_nodes ORDER BY node_id");
    return rows.map((r) => ({ nodeId: r.node_id, startedAt: num(r.started_at), heartbeatAt: num(r.heartbeat_at) }));
  }

  async forgetNode(nodeId: string): Promise<boolean> {
    const r = await this.db.write((tx) =>
      tx.run("DELETE FROM cluster_nodes WHERE node_id = ? AND NOT EXISTS (SELECT 1 FROM agent_links WHERE node_id = ?)", [nodeId, nodeId]),
    );
    return r.changes > 0;
  }
}
