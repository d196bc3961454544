/** Wall-clock arithmetic in an IANA zone with Intl only (Workers has full ICU). */
export type LocalParts = { year: number; month: number; day: number; hour: number };

export function safeTimeZone(tz: string | null | undefined): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz ?? "UTC" });
    return tz ?? "UTC";
  } catch {
    return "UTC";
  }
}

export function localParts(at: Date, timeZone: string): LocalParts {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour") % 24 };
}

export function isoDate(p: Pick<LocalParts, "year" | "month" | "day">): string {
  return `${String(p.year).padStart(4, "0")}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date at instant `t`, as the UTC midnight of that date (ms): comparable across days. */
function localDayAt(t: number, timeZone: string): number {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"));
}

/**
 * The first instant of a local calendar day in the zone. Usually local midnight; where a DST
 * change skips midnight (America/Santiago on 2024-09-08 and America/Havana on 2024-03-10 jump from
 * 00:00 to 01:00) the day starts at the jump. Found by bisection on "is the local date already
 * this day?", which only ever turns from no to yes as time goes on (zone changes happen on whole
 * seconds; even a fall-back at midnight repeats 23:00 of the day before, never the new day).
 */
export function startOfLocalDay(date: { year: number; month: number; day: number }, timeZone: string): Date {
  const target = Date.UTC(date.year, date.month - 1, date.day); // also normalises day 32 etc.
  // UTC offsets lie within ±14 h: 26 h either side brackets the day's start.
  let before = target - 26 * 3600_000; // local date still earlier than the target
  let after = target + 26 * 3600_000; // local date the target or later
  while (after - before > 1000) {
    const mid = before + Math.floor((after - before) / 2000) * 1000;
    if (localDayAt(mid, timeZone) >= target) after = mid;
    else before = mid;
  }
  return new Date(after);
}

/** The local calendar day before `date`. */
export function previousDay(date: { year: number; month: number; day: number }) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day - 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
