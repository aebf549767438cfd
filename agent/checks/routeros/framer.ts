// Strict RouterOS API sentence framer used by the adapter in place of node-routeros' Receiver parser.
// That parser finds sentence ends by TCP chunk boundaries (a `!done` whose terminator arrives in the
// next chunk is never delivered) and throws from the socket's data handler on anything unexpected.
// This one buffers bytes until a whole sentence (words up to the zero-length word) has arrived.

// RouterOS speaks Windows-1252 (node-routeros decodes with iconv 'win1252'). Node's TextDecoder treats
// that label as Latin-1 here, so the 0x80–0x9F block, where the two differ, is mapped by hand.
const CP1252_80_9F =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

export function decodeCp1252(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80] : String.fromCharCode(b);
  return s;
}

/** Largest word we accept: a router never sends megabytes in one word; more means garbage. */
const MAX_WORD_BYTES = 1 << 20;

export class FramingError extends Error {
  override name = "FramingError";
}

export class SentenceFramer {
  private buf: Buffer = Buffer.alloc(0);
  private words: string[] = [];

  /** Feeds a chunk; returns the sentences it completed. Throws FramingError on an impossible prefix. */
  push(chunk: Buffer): string[][] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const done: string[][] = [];
    let pos = 0;
    while (pos < this.buf.length) {
      const first = this.buf[pos] as number;
      let prefix: number;
      let len: number;
      if ((first & 0x80) === 0) [prefix, len] = [1, first];
      else if ((first & 0xc0) === 0x80) [prefix, len] = [2, first & 0x3f];
      else if ((first & 0xe0) === 0xc0) [prefix, len] = [3, first & 0x1f];
      else if ((first & 0xf0) === 0xe0) [prefix, len] = [4, first & 0x0f];
      else if (first === 0xf0) [prefix, len] = [5, 0];
      else throw new FramingError(`reserved length byte 0x${first.toString(16)}`);
      if (pos + prefix > this.buf.length) break;
      for (let i = 1; i < prefix; i++) len = len * 256 + (this.buf[pos + i] as number);
      if (len > MAX_WORD_BYTES) throw new FramingError(`word of ${len} bytes`);
      if (pos + prefix + len > this.buf.length) break;
      if (len === 0) {
        done.push(this.words);
        this.words = [];
      } else {
        this.words.push(decodeCp1252(this.buf.subarray(pos + prefix, pos + prefix + len)));
      }
      pos += prefix + len;
    }
    this.buf = this.buf.subarray(pos);
    return done;
  }
}
