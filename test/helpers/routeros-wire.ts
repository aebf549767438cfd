// RouterOS API wire codec for the simulator: length-prefixed words, sentences ending with an empty word.
// Written independently of the agent's framer (agent/checks/routeros/framer.ts) so a bug in one is
// not mirrored in the other. Prefix rules: https://help.mikrotik.com/docs/display/ROS/API (word length).

/** Encodes a word length as its 1–5 byte prefix. */
export function encodeLength(len: number): Buffer {
  if (!Number.isInteger(len) || len < 0 || len > 0xffffffff) throw new RangeError(`bad word length ${len}`);
  if (len < 0x80) return Buffer.from([len]);
  if (len < 0x4000) return Buffer.from([(len >>> 8) | 0x80, len & 0xff]);
  if (len < 0x200000) return Buffer.from([(len >>> 16) | 0xc0, (len >>> 8) & 0xff, len & 0xff]);
  if (len < 0x10000000) return Buffer.from([(len >>> 24) | 0xe0, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff]);
  return Buffer.from([0xf0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff]);
}

/** Decodes a length prefix at `offset`; undefined when the buffer ends inside the prefix. */
export function decodeLength(buf: Buffer, offset = 0): { len: number; size: number } | undefined {
  const b = buf[offset];
  if (b === undefined) return undefined;
  const need = b < 0x80 ? 1 : b < 0xc0 ? 2 : b < 0xe0 ? 3 : b < 0xf0 ? 4 : 5;
  if (offset + need > buf.length) return undefined;
  const at = (i: number) => buf[offset + i] as number;
  switch (need) {
    case 1:
      return { len: b, size: 1 };
    case 2:
      return { len: ((b & 0x3f) << 8) | at(1), size: 2 };
    case 3:
      return { len: ((b & 0x1f) << 16) | (at(1) << 8) | at(2), size: 3 };
    case 4:
      return { len: (b & 0x0f) * 0x1000000 + ((at(1) << 16) | (at(2) << 8) | at(3)), size: 4 };
    default:
      if (b !== 0xf0) throw new RangeError(`reserved control byte 0x${b.toString(16)}`);
      return { len: at(1) * 0x1000000 + ((at(2) << 16) | (at(3) << 8) | at(4)), size: 5 };
  }
}

export function encodeWord(word: string | Buffer): Buffer {
  const body = typeof word === "string" ? Buffer.from(word, "latin1") : word;
  return Buffer.concat([encodeLength(body.length), body]);
}

/** A sentence: its words then the zero-length terminator. */
export function encodeSentence(words: readonly string[]): Buffer {
  return Buffer.concat([...words.map((w) => encodeWord(w)), Buffer.from([0])]);
}

/**
 * Incremental decoder: feed it chunks as they arrive (any split, even inside a prefix) and it returns
 * every sentence completed so far.
 */
export class SentenceDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private words: string[] = [];

  push(chunk: Buffer): string[][] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: string[][] = [];
    let off = 0;
    for (;;) {
      const p = decodeLength(this.buf, off);
      if (!p || off + p.size + p.len > this.buf.length) break;
      off += p.size;
      if (p.len === 0) {
        out.push(this.words);
        this.words = [];
      } else {
        this.words.push(this.buf.subarray(off, off + p.len).toString("latin1"));
        off += p.len;
      }
    }
    this.buf = this.buf.subarray(off);
    return out;
  }
}
