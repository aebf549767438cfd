// Certificate verification shared by the service probe and its TLS controls: one trust store, the
// certificate read off the socket whether or not it verifies, and the codes that mean "issuer not trusted".
import net from "node:net";
import tls from "node:tls";

/**
 * OpenSSL verify codes that mean the chain ends at an issuer this device does not trust: what a TLS
 * interceptor (antivirus, corporate proxy, malware) causes on every host, and a misconfigured server
 * (self-signed, missing intermediate) on its own. Expiry, a wrong name (ERR_TLS_CERT_ALTNAME_INVALID)
 * and protocol alerts are not here: they are the server's alone and need no control.
 */
export const UNTRUSTED_CERT_CODES = [
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
] as const;

/** Pure: is this verify code a trust failure (the issuer unknown or untrusted)? */
export function isUntrustedCertCode(code: string | undefined): boolean {
  return code !== undefined && (UNTRUSTED_CERT_CODES as readonly string[]).includes(code);
}

/** tls.connect options for the trust store: the system's, plus `caPem` when given. */
export function trustOptions(caPem: string | undefined): Pick<tls.ConnectionOptions, "ca" | "rejectUnauthorized"> {
  return {
    ...(caPem ? { ca: [...tls.rootCertificates, caPem] } : {}),
    // Node verifies exactly as strictly either way (chain, then host name) and reports the result in
    // `authorized`/`authorizationError`; not rejecting inside Node lets us read the certificate of a
    // failed verification. The caller enforces the result (verifiedOrError) before sending a byte.
    rejectUnauthorized: false,
  };
}

/** SNI for a host: its name; none for an address (RFC 6066 §3 forbids literal addresses in SNI). */
export function sniFor(host: string): { servername?: string } {
  return net.isIP(host) ? {} : { servername: host };
}

export interface PeerCert {
  peerSubject?: string;
  peerIssuer?: string;
  peerIssuerDn?: string;
  validTo?: string;
}

/**
 * The certificate the server presented, as far as it is readable (none when the handshake did not
 * complete). Read with getPeerCertificate() only: on Node 20, a getPeerX509Certificate() call makes a
 * later getPeerCertificate() return {} (no names left for checkServerIdentity).
 */
export function peerCert(sock: tls.TLSSocket): PeerCert {
  return describe(sock.getPeerCertificate());
}

function describe(peer: tls.PeerCertificate | undefined): PeerCert {
  const out: PeerCert = {};
  const subject = joined(peer?.subject?.CN);
  const issuer = joined(peer?.issuer?.CN);
  if (subject) out.peerSubject = subject.slice(0, 300);
  if (issuer) out.peerIssuer = issuer.slice(0, 300);
  const dn = distinguishedName(peer?.issuer);
  if (dn) out.peerIssuerDn = dn.slice(0, 1000);
  if (peer?.valid_to) out.validTo = peer.valid_to;
  return out;
}

/** Pure: "C=US, O=Example, CN=Example CA" in the certificate's own order (a repeated attribute repeats). */
export function distinguishedName(name: Record<string, string | string[] | undefined> | undefined): string | undefined {
  if (!name) return undefined;
  const parts = Object.entries(name).flatMap(([k, v]) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => `${k}=${x}`)));
  return parts.length ? parts.join(", ") : undefined;
}

/** undefined when the handshake verified; otherwise the verify code and a message naming the certificate. */
export function verifyFailure(sock: tls.TLSSocket, host: string): { code: string; message: string } | undefined {
  if (sock.authorized) return undefined;
  const code = String(sock.authorizationError ?? "CERT_VERIFY_FAILED");
  const peer = sock.getPeerCertificate();
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    // Node's own message says which names the certificate holds.
    const err = tls.checkServerIdentity(host, peer);
    if (err) return { code, message: err.message };
  }
  const cert = describe(peer);
  return { code, message: `certificate not verified (${code}): subject ${cert.peerSubject ?? "?"}, issuer ${cert.peerIssuerDn ?? "?"}` };
}

function joined(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(",") : v;
}
