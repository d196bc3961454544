import { useEffect, useState, useSyncExternalStore } from "react";
import { useRootData } from "./csrf";

type Style = "date" | "datetime" | "relative";
type Props = { value: Date | string | number; style?: Style; className?: string };

/** During hydration React neither compares nor patches an element's inner HTML: the server's text stays as it is. */
const KEEP_SERVER_TEXT = { __html: "" };

/**
 * Dates follow the viewer's locale: the server formats with the Accept-Language locale in UTC (it
 * cannot know the zone), and once JavaScript runs the browser re-formats in its own zone.
 *
 * The browser formats in a Web Worker (/local-time-worker.js, ADR 0167): the first Intl formatter a
 * page makes loads the locale data, 40-100 ms of one uninterruptible task on this machine, four times
 * that on a phone, which on the main thread blocked the page right after hydration. So the main thread
 * makes none: hydration keeps the server's text as it is (no formatting to match it), the worker's text
 * replaces it, and a time mounted later (a client navigation) shows its ISO form until then. Without
 * workers, or if the worker fails, it formats on the main thread as before.
 */
export function LocalTime({ value, style = "datetime", className }: Props) {
  const root = useRootData();
  const date = new Date(value);
  const hydrating = !useSyncExternalStore(noSubscription, isClient, isServer);
  const [initial] = useState(() =>
    typeof document === "undefined" ? format(date, style, root?.locale ?? "en-US", "UTC") : hydrating ? null : isoText(date, style),
  );
  const [text, setText] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the instant, not the Date object, which is new on every render.
  useEffect(() => {
    let current = true;
    void browserText(date, style).then((t) => {
      if (current) setText(t);
    });
    return () => {
      current = false;
    };
  }, [date.getTime(), style]);
  const iso = Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  const shown = text ?? initial;
  return shown === null ? (
    // biome-ignore lint/security/noDangerouslySetInnerHtml: an empty constant; it only tells hydration to keep the server's text
    <time dateTime={iso} title={iso} className={className} suppressHydrationWarning dangerouslySetInnerHTML={KEEP_SERVER_TEXT} />
  ) : (
    <time dateTime={iso} title={iso} className={className} suppressHydrationWarning>
      {shown}
    </time>
  );
}

const noSubscription = () => () => {};
const isClient = () => true;
const isServer = () => false;

export function format(date: Date, style: Style, locale: string | undefined, timeZone: string | undefined): string {
  if (Number.isNaN(date.getTime())) return "";
  if (style === "relative") {
    const { value, unit } = relativeParts(date);
    return relativeFormat(locale).format(value, unit);
  }
  const s = dateTimeFormat(locale, style, timeZone).format(date);
  return timeZone === "UTC" && style !== "date" ? `${s} UTC` : s;
}

/** The options of a date or date-and-time (the same on the server and in the worker). */
function dateTimeOptions(style: "date" | "datetime", timeZone: string | undefined): Intl.DateTimeFormatOptions {
  return style === "date" ? { dateStyle: "long", timeZone } : { dateStyle: "medium", timeStyle: "short", timeZone };
}

const RELATIVE_OPTIONS: Intl.RelativeTimeFormatOptions = { numeric: "auto" };

/** How far from now, in the largest unit that keeps it readable. */
export function relativeParts(date: Date, now = Date.now()): { value: number; unit: Intl.RelativeTimeFormatUnit } {
  const diff = (date.getTime() - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 60) return { value: Math.round(diff), unit: "second" };
  if (abs < 3600) return { value: Math.round(diff / 60), unit: "minute" };
  if (abs < 86400) return { value: Math.round(diff / 3600), unit: "hour" };
  return { value: Math.round(diff / 86400), unit: "day" };
}

/** What a time mounted after hydration shows until the browser's own text arrives: the instant, in UTC, without Intl. */
export function isoText(date: Date, style: Style): string {
  if (Number.isNaN(date.getTime())) return "";
  const iso = date.toISOString();
  return style === "date" ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
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
    () => new Intl.DateTimeFormat(locale, dateTimeOptions(style, timeZone)),
  );
}

function relativeFormat(locale: string | undefined): Intl.RelativeTimeFormat {
  return cached(`rt\u0000${locale ?? ""}`, () => new Intl.RelativeTimeFormat(locale, RELATIVE_OPTIONS));
}

/** A request to the worker: which formatter (its options), and what to format with it. */
export type WorkerRequest =
  | { id: number; kind: "dt"; options: Intl.DateTimeFormatOptions; value: number }
  | { id: number; kind: "rt"; options: Intl.RelativeTimeFormatOptions; value: number; unit: Intl.RelativeTimeFormatUnit };

/** The text in the browser's own locale and zone: from the worker, or on the main thread if there is none. */
function browserText(date: Date, style: Style): Promise<string> {
  if (Number.isNaN(date.getTime())) return Promise.resolve("");
  const request =
    style === "relative"
      ? ({ kind: "rt", options: RELATIVE_OPTIONS, ...relativeParts(date) } as const)
      : ({ kind: "dt", options: dateTimeOptions(style, undefined), value: date.getTime() } as const);
  return inWorker(request).catch(() => format(date, style, undefined, undefined));
}

let worker: Worker | null | undefined; // undefined: not started yet; null: unavailable here
let nextId = 1;
const waiting = new Map<number, { resolve: (text: string) => void; reject: () => void }>();

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

function inWorker(request: WithoutId<WorkerRequest>): Promise<string> {
  if (worker === undefined) worker = startWorker();
  const w = worker;
  if (!w) return Promise.reject(new Error("no worker"));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ ...request, id });
  });
}

function startWorker(): Worker | null {
  if (typeof Worker === "undefined") return null;
  try {
    const w = new Worker("/local-time-worker.js");
    w.onmessage = (e: MessageEvent<{ id: number; text: string | null }>) => {
      const entry = waiting.get(e.data.id);
      waiting.delete(e.data.id);
      if (typeof e.data.text === "string") entry?.resolve(e.data.text);
      else entry?.reject();
    };
    // It could not load or run: every waiting time, and every later one, is formatted on the main thread.
    w.onerror = () => {
      worker = null;
      for (const entry of waiting.values()) entry.reject();
      waiting.clear();
    };
    return w;
  } catch {
    return null;
  }
}
