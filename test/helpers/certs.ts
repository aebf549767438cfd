// Test PKI made at test time with the `openssl` CLI in a temp dir: a CA, a server certificate for
// 127.0.0.1/localhost signed by it, and an unrelated second CA (to prove pinning refuses it).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  /** PEM paths. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  otherCaCert: string;
  caPem: string;
  otherCaPem: string;
  close(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run("openssl", args, { cwd, timeout: 30_000 });
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
}

export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-pki-"));
  await makeCa(dir, "netdiag-test-ca");
  await makeCa(dir, "other-ca");
  await openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
  await writeFile(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
  await openssl(["x509", "-req", "-in", "server.csr", "-CA", "netdiag-test-ca.crt", "-CAkey", "netdiag-test-ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext"], dir);
  return {
    dir,
    caCert: join(dir, "netdiag-test-ca.crt"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    otherCaCert: join(dir, "other-ca.crt"),
    caPem: await readFile(join(dir, "netdiag-test-ca.crt"), "utf8"),
    otherCaPem: await readFile(join(dir, "other-ca.crt"), "utf8"),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
