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
  const opts: Intl.DateTimeFormatOptions =
    style === "date" ? { dateStyle: "long", timeZone } : { dateStyle: "medium", timeStyle: "short", timeZone };
  const s = new Intl.DateTimeFormat(locale, opts).format(date);
  return timeZone === "UTC" && style !== "date" ? `${s} UTC` : s;
}

function relative(date: Date, locale: string | undefined): string {
  const diff = (date.getTime() - Date.now()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(Math.round(diff), "second");
  if (abs < 3600) return rtf.format(Math.round(diff / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), "hour");
  return rtf.format(Math.round(diff / 86400), "day");
}
