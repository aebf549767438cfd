// Minimal typings for the parts of net-snmp 3.x this check uses (the package ships none).
declare module "net-snmp" {
  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }
  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    transport?: "udp4" | "udp6";
    version?: number;
    idBitsSize?: 16 | 32;
    backoff?: number;
  }
  export interface V3User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }
  export interface Session {
    get(oids: string[], cb: (error: Error | null, varbinds: Varbind[]) => void): Session;
    subtree(
      oid: string,
      maxRepetitions: number,
      feedCb: (varbinds: Varbind[]) => boolean | void,
      doneCb: (error: Error | null) => void,
    ): Session;
    cancelRequests(error: Error): void;
    close(): Session;
    on(event: "error", listener: (error: Error) => void): Session;
  }
  const snmp: {
    createSession(target: string, community: string, options: SessionOptions): Session;
    createV3Session(target: string, user: V3User, options: SessionOptions): Session;
    isVarbindError(vb: Varbind): boolean;
    Version2c: number;
    ObjectType: Record<string, number>;
    SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
    AuthProtocols: { md5: number; sha: number; sha256: number };
    PrivProtocols: { des: number; aes: number };
  };
  export default snmp;
}
