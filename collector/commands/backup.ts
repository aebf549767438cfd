// `netdiag-collector backup`: filled in by the data work (collector/main.ts dispatches to it).
export async function backupCommand(_argv: string[]): Promise<number> {
  throw new Error("backup: not implemented yet");
}
