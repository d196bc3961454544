import { useEffect, useState } from "react";
import { useRootData } from "./csrf";

type Props = { value: Date | string | number; style?: "date" | "datetime" | "relative"; className?: string };

/**
 * Dates follow the viewer's locale: the server formats with the Accept-Language locale in UTC
 * (it cannot know the zone), and once JavaScript runs the browser re-formats in its own zone.
 */
export function LocalTime({ value, style = "datetime", className }: Props) {
  const root = useRootData();
  const date = new Date(value);
  const [text, setText] = useState(() => format(date, style, root?.locale ?? "en-US", "UTC"));
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the instant, not the Date object, which is new on every render.
  useEffect(() => {
    setText(format(date, style, undefined, undefined));
  }, [date.getTime(), style]);
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()} className={className} suppressHydrationWarning>
      {text}
    </time>
  );
}

export function format(date: Date, style: Props["style"], locale: string | undefined, timeZone: string | undefined): string {
  if (Number.isNaN(date.getTime())) return "";
  if (style === "relative") return relative(date, locale);
  const s = dateTimeFormat(locale, style === "date" ? "date" : "datetime", timeZone).format(date);
  return timeZone === "UTC" && style !== "date" ? `${s} UTC` : s;
}

/**
 * Formatters are made once per locale, style and zone, and reused: constructing an Intl formatter
 * costs far more than formatting with one (a new one per <LocalTime> was half the server's CPU on a
 * page of 25 deliveries, ADR 0161). The locale comes from the viewer's Accept-Language, so the
 * cache is bounded: past FORMATTER_CACHE_LIMIT entries it starts over.
 */
export const FORMATTER_CACHE_LIMIT = 64;
const formatters = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let f = formatters.get(key) as T | undefined;
  if (!f) {
    f = make(); // an invalid locale throws here, before anything is cached
    if (formatters.size >= FORMATTER_CACHE_LIMIT) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

/** How many formatters are cached now (tests: the cache stays bounded). */
export const cachedFormatterCount = () => formatters.size;

function dateTimeFormat(locale: string | undefined, style: "date" | "datetime", timeZone: string | undefined): Intl.DateTimeFormat {
  return cached(
    `dt\u0000${locale ?? ""}\u0000${style}\u0000${timeZone ?? ""}`,
    () =>
      new Intl.DateTimeFormat(
        locale,
        style === "date" ? { dateStyle: "long", timeZone } : { dateStyle: "medium", timeStyle: "short", timeZone },
      ),
  );
}

function relative(date: Date, locale: string | undefined): string {
  const diff = (date.getTime() - Date.now()) / 1000;
  const rtf = cached(`rt\u0000${locale ?? ""}`, () => new Intl.RelativeTimeFormat(locale, { numeric: "auto" }));
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(Math.round(diff), "second");
  if (abs < 3600) return rtf.format(Math.round(diff / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), "hour");
  return rtf.format(Math.round(diff / 86400), "day");
}
