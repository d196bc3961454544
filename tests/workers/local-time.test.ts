import { describe, expect, it } from "vitest";
import { cachedFormatterCount, FORMATTER_CACHE_LIMIT, format, isoText, relativeParts } from "~/components/local-time";

const at = new Date(Date.UTC(2026, 11, 2, 14, 5));

describe("LocalTime's format (ADR 0161: formatters made once, reused)", () => {
  it("formats as a formatter made for the call would, in each locale, style and zone", () => {
    for (const locale of ["en-US", "de-DE", "ja-JP", "ar-EG"]) {
      for (const timeZone of ["UTC", "Asia/Tokyo", undefined]) {
        const datetime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(at);
        expect(format(at, "datetime", locale, timeZone)).toBe(timeZone === "UTC" ? `${datetime} UTC` : datetime);
        expect(format(at, "date", locale, timeZone)).toBe(new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone }).format(at));
      }
    }
    // the same call twice: the same answer, from the formatter made the first time
    expect(format(at, "datetime", "de-DE", "UTC")).toBe(format(at, "datetime", "de-DE", "UTC"));
    expect(format(at, "datetime", "en-US", "UTC")).not.toBe(format(at, "datetime", "de-DE", "UTC"));
  });

  it("formats relative times in the locale, and nothing for an invalid date", () => {
    const minutesAgo = new Date(Date.now() - 5 * 60_000);
    expect(format(minutesAgo, "relative", "en-US", "UTC")).toBe("5 minutes ago");
    expect(format(minutesAgo, "relative", "de-DE", "UTC")).toBe("vor 5 Minuten");
    expect(format(new Date("not a date"), "datetime", "en-US", "UTC")).toBe("");
  });

  it("reuses formatters: repeating a call adds none, and many viewers' zones stay within the bound", () => {
    format(at, "datetime", "fr-FR", "UTC");
    const before = cachedFormatterCount();
    for (let i = 0; i < 50; i++) format(at, "datetime", "fr-FR", "UTC");
    expect(cachedFormatterCount()).toBe(before);

    const zones = Intl.supportedValuesOf("timeZone").slice(0, FORMATTER_CACHE_LIMIT * 3);
    expect(zones.length).toBeGreaterThan(FORMATTER_CACHE_LIMIT);
    for (const timeZone of zones) {
      expect(format(at, "date", "en-GB", timeZone)).toBe(new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone }).format(at));
      expect(cachedFormatterCount()).toBeLessThanOrEqual(FORMATTER_CACHE_LIMIT);
    }
  });

  it("an invalid locale is refused as Intl refuses it, and is not cached", () => {
    const before = cachedFormatterCount();
    expect(() => format(at, "datetime", "not a locale!", "UTC")).toThrow(RangeError);
    expect(cachedFormatterCount()).toBe(before);
  });
});

// ADR 0167: what the browser shows without Intl on its main thread, and what it asks the worker to format.
describe("LocalTime in the browser", () => {
  it("a time mounted after hydration shows its instant in UTC, without Intl, until the worker's text arrives", () => {
    expect(isoText(at, "datetime")).toBe("2026-12-02 14:05 UTC");
    expect(isoText(at, "date")).toBe("2026-12-02");
    expect(isoText(new Date("not a date"), "datetime")).toBe("");
  });

  it("relative times go in the largest readable unit, past or future, as the server words them", () => {
    const now = at.getTime();
    expect(relativeParts(new Date(now - 30_000), now)).toEqual({ value: -30, unit: "second" });
    expect(relativeParts(new Date(now + 5 * 60_000), now)).toEqual({ value: 5, unit: "minute" });
    expect(relativeParts(new Date(now - 3 * 3_600_000), now)).toEqual({ value: -3, unit: "hour" });
    expect(relativeParts(new Date(now - 2 * 86_400_000), now)).toEqual({ value: -2, unit: "day" });
  });
});
