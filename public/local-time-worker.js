// Formats dates for app/components/local-time.tsx off the main thread (docs/decisions/0167-local-times-formatted-in-a-worker.md):
// the first Intl formatter a page makes loads the locale data, one long task the page would otherwise wait on. The
// component sends the formatter's options and the value; this answers with the text, or null if Intl refused them.
// Formatters are kept per kind and options (a page asks for two or three).
const formatters = new Map();

function formatter(kind, options) {
  const key = `${kind}\u0000${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = kind === "rt" ? new Intl.RelativeTimeFormat(undefined, options) : new Intl.DateTimeFormat(undefined, options);
    if (formatters.size >= 16) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

self.onmessage = (event) => {
  const { id, kind, options, value, unit } = event.data;
  let text = null;
  try {
    text = kind === "rt" ? formatter(kind, options).format(value, unit) : formatter(kind, options).format(new Date(value));
  } catch {
    text = null;
  }
  self.postMessage({ id, text });
};
