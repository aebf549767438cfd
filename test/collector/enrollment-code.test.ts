// Enrollment codes are read out over the phone and typed by customers: without the dash, with a space
// instead, in lower case, with stray spaces around. Each of those is the same code.
import { describe, expect, test } from "vitest";
import { boundEnrollmentCode, parseEnrollmentCode } from "../../collector/auth/enrollment-code.js";
import { hashSecret } from "../../shared/secrets.js";

const CODE = "ABCDE-FGHJK";

describe("parseEnrollmentCode", () => {
  test.each(["ABCDE-FGHJK", "ABCDEFGHJK", "abcdefghjk", "ABCDE FGHJK", " abcde-fghjk ", "ABCDE - FGHJK", "ABCDE  FGHJK", "abcde_fghjk", "ABCDE–FGHJK"])("%j is the code ABCDE-FGHJK", (typed) => {
    expect(parseEnrollmentCode(typed)).toEqual({ hash: hashSecret(CODE) });
  });

  test.each(["ABCDE-FGHJ", "ABCDEFGHJKL", "ABCDE-FGHJ!"])("%j is another code, not a near match", (typed) => {
    expect(parseEnrollmentCode(typed).hash).not.toBe(hashSecret(CODE));
  });

  test("a re-enrollment code keeps its agent id as typed and forgives the code part", () => {
    const bound = boundEnrollmentCode("ag_Abc123", CODE);
    for (const typed of [bound, "ag_Abc123.abcdefghjk", " ag_Abc123.ABCDE FGHJK "]) {
      expect(parseEnrollmentCode(typed)).toEqual({ agentId: "ag_Abc123", hash: hashSecret(bound) });
    }
    // The id is case-sensitive: another id is another (unknown) code.
    expect(parseEnrollmentCode("ag_abc123.ABCDE-FGHJK").hash).not.toBe(hashSecret(bound));
  });
});
