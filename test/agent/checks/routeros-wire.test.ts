// Raw-byte tests of the simulator's codec and of the agent's framer, at every prefix-length boundary.
import { describe, expect, test } from "vitest";
import { FramingError, SentenceFramer } from "../../../agent/checks/routeros/framer.js";
import { decodeLength, encodeLength, encodeSentence, encodeWord, SentenceDecoder } from "../../helpers/routeros-wire.js";

const boundaries: [number, number[]][] = [
  [0, [0x00]],
  [1, [0x01]],
  [0x7f, [0x7f]],
  [0x80, [0x80, 0x80]],
  [0x3fff, [0xbf, 0xff]],
  [0x4000, [0xc0, 0x40, 0x00]],
  [0x1fffff, [0xdf, 0xff, 0xff]],
  [0x200000, [0xe0, 0x20, 0x00, 0x00]],
  [0xfffffff, [0xef, 0xff, 0xff, 0xff]],
  [0x10000000, [0xf0, 0x10, 0x00, 0x00, 0x00]],
  [0xffffffff, [0xf0, 0xff, 0xff, 0xff, 0xff]],
];

describe("routeros-wire length prefix", () => {
  test.each(boundaries)("length %i encodes as %j and decodes back", (len, bytes) => {
    expect([...encodeLength(len)]).toEqual(bytes);
    expect(decodeLength(Buffer.from(bytes))).toEqual({ len, size: bytes.length });
  });

  test.each(boundaries.filter(([, b]) => b.length > 1))("a truncated %i prefix is incomplete, not wrong", (_len, bytes) => {
    expect(decodeLength(Buffer.from(bytes.slice(0, -1)))).toBeUndefined();
  });

  test("reserved control bytes are refused", () => {
    expect(() => decodeLength(Buffer.from([0xf8, 0, 0, 0, 0]))).toThrow(RangeError);
  });
});

describe("sentences, both decoders", () => {
  // Words straddling each boundary that is practical to allocate (up to 0x200000 bytes).
  const sizes = [0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000];
  test.each(sizes)("a %i-byte word survives a round trip through sim codec and agent framer", (size) => {
    const word = "x".repeat(size - 3) + "=yz";
    const bytes = encodeSentence(["!re", word, ".tag=7"]);
    expect(new SentenceDecoder().push(bytes)).toEqual([["!re", word, ".tag=7"]]);
    if (size <= 1 << 20) expect(new SentenceFramer().push(bytes)).toEqual([["!re", word, ".tag=7"]]);
    else expect(() => new SentenceFramer().push(bytes)).toThrow(FramingError); // agent caps words at 1 MiB
  });

  test("exact bytes of a small sentence", () => {
    expect([...encodeSentence(["!done", ".tag=1"])]).toEqual([5, ...Buffer.from("!done"), 6, ...Buffer.from(".tag=1"), 0]);
  });

  test("split one byte at a time, including inside prefixes, still yields whole sentences", () => {
    const long = "=message=" + "m".repeat(300); // 2-byte prefix
    const bytes = Buffer.concat([encodeSentence(["!trap", long, ".tag=3"]), encodeSentence(["!done", ".tag=3"])]);
    const sim = new SentenceDecoder();
    const agent = new SentenceFramer();
    const a: string[][] = [];
    const b: string[][] = [];
    for (const byte of bytes) {
      a.push(...sim.push(Buffer.from([byte])));
      b.push(...agent.push(Buffer.from([byte])));
    }
    const expected = [["!trap", long, ".tag=3"], ["!done", ".tag=3"]];
    expect(a).toEqual(expected);
    expect(b).toEqual(expected);
  });

  test("the agent framer decodes Windows-1252 like RouterOS sends it", () => {
    expect(new SentenceFramer().push(Buffer.concat([encodeWord(Buffer.from([0x3d, 0x80, 0xe9])), Buffer.from([0])]))).toEqual([["=€é"]]);
  });

  test("the agent framer refuses a reserved prefix byte", () => {
    expect(() => new SentenceFramer().push(Buffer.from([0xf8, 1, 2]))).toThrow(FramingError);
  });
});
