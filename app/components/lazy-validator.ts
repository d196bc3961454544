import { useCallback, useEffect, useRef, useState } from "react";

type IdleWindow = Window & {
  requestIdleCallback?: (cb: () => void, opts?: { timeout: number }) => number;
  cancelIdleCallback?: (id: number) => void;
};

/**
 * A form's browser-side validator, loaded once the page is interactive instead of with the route, so that zod and the
 * schema are not in the JS a phone parses and runs before the page responds (ADR 0169). Loading starts when the
 * browser is idle (within 2 s) or on the first focus in the form (`start`), whichever comes first.
 *
 * Until the validator is there (or if its chunk fails to load) the form has no browser-side check and submits to its
 * action, which validates with the same schema and answers with the same field errors: the form works exactly as it
 * does without JavaScript.
 */
export function useLazyValidator<V extends (...args: never[]) => unknown>(
  load: () => Promise<V>,
): { validate: V | undefined; start: () => void } {
  const [validate, setValidate] = useState<V>();
  const started = useRef(false);
  const mounted = useRef(true);
  const start = useCallback(() => {
    if (started.current) return;
    started.current = true;
    load().then(
      (v) => {
        if (mounted.current) setValidate(() => v);
      },
      () => {
        started.current = false; // a later focus tries again; meanwhile the action validates
      },
    );
  }, [load]);
  useEffect(() => {
    mounted.current = true;
    const w = window as IdleWindow;
    if (w.requestIdleCallback) {
      const id = w.requestIdleCallback(start, { timeout: 2000 });
      return () => {
        mounted.current = false;
        w.cancelIdleCallback?.(id);
      };
    }
    const id = window.setTimeout(start, 200);
    return () => {
      mounted.current = false;
      window.clearTimeout(id);
    };
  }, [start]);
  return { validate, start };
}
