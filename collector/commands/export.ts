// `netdiag-collector export`: filled in by the data work (collector/main.ts dispatches to it).
export async function exportCommand(_argv: string[]): Promise<number> {
  throw new Error("export: not implemented yet");
}
