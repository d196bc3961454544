import { Link, useNavigate } from "@remix-run/react";
import { type ReactNode, useEffect, useId, useRef } from "react";
import { CloseIcon } from "./modal-icons";

/**
 * A modal is a nested route: its URL opens it, Cancel/×/Esc navigate to `closeTo`, and the back
 * button closes it. The overlay is plain CSS, so without JavaScript it looks the same; with JS,
 * focus moves into the dialog, Tab stays inside it, and Esc closes it.
 */
export function Modal({
  title,
  closeTo,
  children,
  footer,
  size = "md",
}: {
  title: ReactNode;
  closeTo: string;
  children: ReactNode;
  footer?: ReactNode;
  size?: "sm" | "md" | "lg";
}) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const el = ref.current;
    const first = el?.querySelector<HTMLElement>("[autofocus], input:not([type=hidden]), select, textarea, button, a[href]");
    (first ?? el)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        navigate(closeTo, { preventScrollReset: true });
      } else if (e.key === "Tab" && el) {
        const items = [
          ...el.querySelectorAll<HTMLElement>(
            "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])",
          ),
        ];
        if (items.length === 0) return;
        const [head, tail] = [items[0]!, items[items.length - 1]!];
        if (e.shiftKey && document.activeElement === head) {
          e.preventDefault();
          tail.focus();
        } else if (!e.shiftKey && document.activeElement === tail) {
          e.preventDefault();
          head.focus();
        }
      }
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      previous?.focus?.();
    };
  }, [closeTo, navigate]);

  const width = size === "sm" ? "max-w-md" : size === "lg" ? "max-w-3xl" : "max-w-xl";
  return (
    <div className="fixed inset-0 z-50 flex items-end justify-center p-0 sm:items-center sm:p-4">
      <Link to={closeTo} preventScrollReset className="absolute inset-0 bg-slate-900/50" aria-hidden="true" tabIndex={-1} />
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        className={`relative flex max-h-[92vh] w-full ${width} flex-col rounded-t-xl bg-white shadow-2xl sm:rounded-xl`}
      >
        <div className="flex items-center justify-between gap-4 border-b border-slate-200 px-5 py-4">
          <h2 id={titleId} className="text-lg font-semibold text-slate-900">
            {title}
          </h2>
          <Link to={closeTo} preventScrollReset className="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-800">
            <CloseIcon className="size-5" />
            <span className="sr-only">Close</span>
          </Link>
        </div>
        <div className="overflow-y-auto px-5 py-5">{children}</div>
        {footer ? <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 px-5 py-4">{footer}</div> : null}
      </div>
    </div>
  );
}
