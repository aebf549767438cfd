// zod -> JSON Schema as the OpenAPI document needs it (collector/openapi/json-schema.ts): the input side
// for requests and the output side for responses, refinements left out, a retyping pipe documented by
// what travels, any other transform refused, named schemas as components, int bounds dropped.
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createSchemaConverter } from "../../../collector/openapi/json-schema.js";

const noNames = () => createSchemaConverter(new Map());

describe("createSchemaConverter", () => {
  const Body = z.strictObject({ name: z.string().max(10), severity: z.enum(["low", "high"]).default("low"), limit: z.coerce.number().int().min(1).max(5).optional() });

  test("requests: the input side (a defaulted field is optional, its default shown)", () => {
    expect(noNames().convert(Body, "input")).toEqual({
      type: "object",
      properties: {
        name: { type: "string", maxLength: 10 },
        severity: { type: "string", enum: ["low", "high"], default: "low" },
        limit: { type: "integer", minimum: 1, maximum: 5 },
      },
      required: ["name"],
      additionalProperties: false,
    });
  });

  test("responses: the output side (a defaulted field is always there)", () => {
    expect(noNames().convert(Body, "output").required).toEqual(["name", "severity"]);
  });

  test("a refinement has no JSON Schema form: the field is documented without it", () => {
    const s = z.object({ name: z.string().max(5).refine((v) => !v.includes("\n"), "no newlines") });
    expect(noNames().convert(s, "input").properties).toEqual({ name: { type: "string", maxLength: 5 } });
  });

  test("a comma list (string -> transform -> pipe) is the string a client sends", () => {
    const csv = z.string().max(50).transform((v) => v.split(",")).pipe(z.array(z.string()));
    expect(noNames().convert(z.object({ status: csv.optional() }), "input").properties).toEqual({ status: { type: "string", maxLength: 50 } });
  });

  test("a transform named as retyping is documented by what travels (its input), on both sides", () => {
    const Stored = z.looseObject({ check: z.string() });
    const Typed = Stored.transform((r) => r as unknown as { check: "host" });
    const Row = z.object({ result: Typed });
    for (const io of ["input", "output"] as const) {
      expect(createSchemaConverter(new Map(), new Set([Typed])).convert(Row, io).properties).toEqual({ result: { type: "object", properties: { check: { type: "string" } }, required: ["check"], additionalProperties: {} } });
    }
  });

  test("any other transform in a response is refused with where it is", () => {
    const s = z.object({ at: z.string().transform((v) => new Date(v)) });
    expect(() => noNames().convert(s, "output")).toThrow(/transform at \/properties\/at/);
    // The same cast, not named as retyping: refused too.
    const cast = z.object({ result: z.looseObject({ check: z.string() }).transform((r) => r as unknown as { check: "host" }) });
    expect(() => noNames().convert(cast, "output")).toThrow(/transform at \/properties\/result/);
  });

  test("named schemas become components and $refs (responses only; a request is written out in full)", () => {
    const Item = z.object({ id: z.string() });
    const conv = createSchemaConverter(new Map([[Item, "Item"]]));
    expect(conv.convert(z.array(Item), "output")).toEqual({ type: "array", items: { $ref: "#/components/schemas/Item" } });
    expect(conv.convert(Item, "output")).toEqual({ $ref: "#/components/schemas/Item" });
    expect(conv.components).toEqual({ Item: { type: "object", properties: { id: { type: "string" } }, required: ["id"], additionalProperties: false } });
    expect(conv.convert(z.object({ item: Item }), "input")).toEqual({ type: "object", properties: { item: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } }, required: ["item"] });
  });

  test("the ±2^53-1 bounds of a plain int are dropped, real bounds kept", () => {
    const s = z.object({ at: z.number().int(), n: z.number().int().min(-5).max(9) });
    expect(noNames().convert(s, "output").properties).toEqual({ at: { type: "integer" }, n: { type: "integer", minimum: -5, maximum: 9 } });
  });

  test("a .describe() text is kept", () => {
    expect(noNames().convert(z.string().describe("the customer's name"), "input")).toEqual({ type: "string", description: "the customer's name" });
  });
});
