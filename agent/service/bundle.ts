// Whether this process runs as the one-file agent (dist/bundle/netdiag-agent.js): esbuild replaces
// NETDIAG_AGENT_BUNDLE with `true` when it builds the bundle (scripts/build-agent.mjs); in the
// unbundled build (dist/agent/main.js) the name is not defined at all.
declare const NETDIAG_AGENT_BUNDLE: boolean | undefined;

export const RUNNING_AS_BUNDLE: boolean = typeof NETDIAG_AGENT_BUNDLE !== "undefined" && NETDIAG_AGENT_BUNDLE === true;
