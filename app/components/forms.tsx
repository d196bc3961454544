import { type FieldMetadata, getInputProps } from "@conform-to/react";
import { Link, useNavigation } from "@remix-run/react";
import { type ComponentProps, type ReactNode, useEffect, useState } from "react";

/**
 * The form parts every screen uses, so that each form reads the same way: conform metadata in,
 * labelled controls with their errors out. Everything here renders the same without JavaScript.
 */

/** A field's (or the form's) errors, referenced by the control's aria-describedby. */
export function ErrorList({ id, errors }: { id: string; errors?: string[] | null }) {
  if (!errors?.length) return null;
  return (
    <p id={id} className="field-error">
      {errors.join(" ")}
    </p>
  );
}

/** Errors that belong to the whole form (for example "the receiver could not be reached"). */
export function FormAlert({ id, errors }: { id: string; errors?: string[] | null }) {
  if (!errors?.length) return null;
  return (
    <div role="alert" id={id} className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {errors.join(" ")}
    </div>
  );
}

type InputType = "text" | "url" | "email" | "password" | "search" | "tel" | "number" | "date" | "datetime-local";

/** A labelled text-like input with its hint and errors. */
export function Field({
  meta,
  label,
  type = "text",
  hint,
  inputProps,
  className,
}: {
  meta: FieldMetadata<string | undefined | null> | FieldMetadata<string>;
  label: ReactNode;
  type?: InputType;
  hint?: ReactNode;
  inputProps?: Omit<ComponentProps<"input">, "name" | "id" | "type" | "defaultValue" | "key">;
  className?: string;
}) {
  const hintId = `${meta.id}-hint`;
  const { key, ...props } = getInputProps(meta as FieldMetadata<string>, { type, ariaDescribedBy: hint ? hintId : undefined });
  return (
    <div className={className}>
      <label htmlFor={meta.id} className="label">
        {label}
      </label>
      <input key={key} {...props} {...inputProps} className={`input ${inputProps?.className ?? ""}`} />
      {hint ? (
        <p id={hintId} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      <ErrorList id={meta.errorId} errors={meta.errors} />
    </div>
  );
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === "string" ? [value] : [];
}

export type CheckboxOption = { value: string; label: ReactNode; hint?: ReactNode };

/** A group of checkboxes for one array field, checked as the server (or the defaults) said. */
export function CheckboxGroup({ meta, legend, options }: { meta: FieldMetadata<string[]>; legend: ReactNode; options: CheckboxOption[] }) {
  const chosen = asList(meta.initialValue);
  return (
    <fieldset aria-describedby={meta.errors ? meta.errorId : undefined}>
      <legend className="label">{legend}</legend>
      <div className="mt-1 space-y-2">
        {options.map((option) => (
          <label key={`${meta.key ?? ""}${option.value}`} className="flex items-start gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              id={`${meta.id}-${option.value}`}
              name={meta.name}
              value={option.value}
              defaultChecked={chosen.includes(option.value)}
              className="mt-0.5 size-4 shrink-0"
            />
            <span className="min-w-0">
              <span className="break-words">{option.label}</span>
              {option.hint ? <span className="block text-xs text-slate-600">{option.hint}</span> : null}
            </span>
          </label>
        ))}
      </div>
      <ErrorList id={meta.errorId} errors={meta.errors} />
    </fieldset>
  );
}

/**
 * When conform checks fields in the browser: first on submit (every field's error at once, as the
 * server would answer), then, once a field shows an error, on every change, so the error goes away
 * while the user types. Nothing is checked on blur: a message appearing or disappearing at the
 * mousedown of the next click moved the form under the pointer and that click (often on a
 * checkbox) was lost (issue 20, item 1).
 */
export const VALIDATE_ON = { shouldValidate: "onSubmit", shouldRevalidate: "onInput" } as const;

/**
 * A Copy button that exists only when it can work: it is not rendered on the server nor without
 * JavaScript (the text beside it is selectable), and appears once the Clipboard API is there.
 */
export function CopyButton({
  text,
  label = "Copy",
  name,
  className = "btn-secondary shrink-0",
  describedBy,
}: {
  text: string;
  label?: string;
  /** What is copied, for screen readers when several Copy buttons share a screen ("Copy Callback URL"). */
  name?: string;
  className?: string;
  describedBy?: string;
}) {
  const [state, setState] = useState<"hidden" | "ready" | "copied" | "failed">("hidden");
  useEffect(() => setState(typeof navigator !== "undefined" && navigator.clipboard ? "ready" : "hidden"), []);
  if (state === "hidden") return null;
  return (
    <button
      type="button"
      className={className}
      aria-describedby={describedBy}
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => setState("copied"),
          () => setState("failed"),
        )
      }
    >
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select the text" : label}</span>
      {name ? <span className="sr-only"> {name}</span> : null}
    </button>
  );
}

/**
 * True while this form is being submitted: the navigation is submitting to `action` (the current
 * route when omitted) with this `intent` (any intent when omitted).
 */
export function useIsSubmitting({ intent, action }: { intent?: string; action?: string } = {}) {
  const navigation = useNavigation();
  if (navigation.state === "idle" || !navigation.formData) return false;
  if (intent !== undefined && navigation.formData.get("intent") !== intent) return false;
  if (action !== undefined && navigation.formAction?.split("?")[0] !== action) return false;
  return true;
}

/** A submit button that says what it is doing while its form is in flight. */
export function SubmitButton({
  children,
  busyText,
  intent,
  action,
  className = "btn-primary",
  ...rest
}: Omit<ComponentProps<"button">, "type" | "value" | "name"> & { busyText: string; intent?: string; action?: string }) {
  const busy = useIsSubmitting({ intent, action });
  return (
    <button {...rest} type="submit" className={className} disabled={busy || rest.disabled}>
      {busy ? busyText : children}
    </button>
  );
}

/** A labelled checkbox for an on/off setting (Slack notifications, email forwarding options). */
export function Toggle({ inputProps, label }: { inputProps: ComponentProps<"input">; label: string }) {
  return (
    <label className="flex items-start gap-2 text-sm text-slate-900">
      <input {...inputProps} className="mt-0.5 size-4 rounded border-slate-300" />
      <span>{label}</span>
    </label>
  );
}

/** Messages about the whole form (a provider that could not be read, a form-level error), each an alert. */
export function FormMessages({ messages }: { messages: (string | null | undefined)[] }) {
  return messages
    .filter((m): m is string => Boolean(m))
    .map((m) => (
      <p key={m} role="alert" className="field-error">
        {m}
      </p>
    ));
}

/** A Configure screen's footer: Disconnect (confirmed on its own screen) and Save Changes (intent "save"). */
export function ConfigureFooter({ provider }: { provider: string }) {
  const busy = useIsSubmitting({ intent: "save" });
  return (
    <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
      <Link to={`/integrations/${provider}/disconnect?from=configure`} className="btn-danger-outline">
        Disconnect
      </Link>
      <button type="submit" name="intent" value="save" className="btn-primary" disabled={busy}>
        {busy ? "Saving…" : "Save Changes"}
      </button>
    </div>
  );
}
