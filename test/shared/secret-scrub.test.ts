// Which key names and which text count as secrets (shared/secret-scrub.ts), table-tested: the agent,
// the collector and the log all use these rules.
import { describe, expect, test } from "vitest";
import { isSecretKey, REDACTED, scrubKnownPatterns } from "../../shared/secret-scrub.js";

describe("isSecretKey", () => {
  test.each([
    "pass", "passwd", "password", "Password", "RouterPassword", "router_password", "ADMINPASSWORD", "passphrase", "pwd", "secret",
    "clientSecret", "psk", "wpa2psk", "wifi-psk", "community", "snmpCommunity", "token", "accessToken", "apiKey", "api_key", "X-Api-Key",
    "apikey", "authKey", "auth_key", "privKey", "privkey", "privateKey", "key", "keys", "wpa_key", "credential", "credentials", "cookie",
    "authorization", "Authorization",
  ])("%s names a secret", (k) => expect(isSecretKey(k)).toBe(true));

  test.each([
    "publicKey", "hostKey", "keyId", "keyboard", "monkey", "passed", "passing", "bypass", "compass", "authProtocol", "privProtocol",
    "user", "username", "host", "ssid", "fingerprint256", "publicResolvers", "steps", "next_steps", "snrMarginDownDb", "ifAlias",
  ])("%s does not", (k) => expect(isSecretKey(k)).toBe(false));
});

describe("scrubKnownPatterns", () => {
  test.each([
    ["https://admin:hunter2@10.0.0.1/x", `https://admin:${REDACTED}@10.0.0.1/x`],
    ["Authorization: Bearer abcdefgh.ijklmnop", `Authorization: Bearer ${REDACTED}`],
    ["basic dXNlcjpwYXNzd29yZA==", `basic ${REDACTED}`],
    ["use ndt_ABCDEFGHIJKLMNOPQRST now", `use ${REDACTED} now`],
    ["password=hunter3&user=x", `password=${REDACTED}&user=x`],
    ['snmp_community: "pub lic"', `snmp_community: ${REDACTED}`],
    ["wpa-psk = s3cret1", `wpa-psk = ${REDACTED}`],
    ["-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----", REDACTED],
    ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"],
    ["passed 3 checks; community refused; 10 tokens", "passed 3 checks; community refused; 10 tokens"],
    ["http://10.0.0.1:8080/status", "http://10.0.0.1:8080/status"],
  ])("%j", (input, want) => expect(scrubKnownPatterns(input)).toBe(want));
});
