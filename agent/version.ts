// The agent's version, sent in the hello frame and shown by --version.
export const AGENT_VERSION = "0.1.0";
