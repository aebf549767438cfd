// The vocabulary both sides share: check ids, step statuses, findings and the typed StepResult. The
// definitions live in shared/steps/ (one schema file per check); this module re-exports them so
// importers have one place to import from.
export * from "./steps/index.js";
export * from "./steps/common.js";
export * from "./steps/host.js";
export * from "./steps/gateway.js";
export * from "./steps/dhcp.js";
export * from "./steps/dns.js";
export * from "./steps/ping.js";
export * from "./steps/path.js";
export * from "./steps/service.js";
export * from "./steps/snmp.js";
export * from "./steps/routeros.js";
