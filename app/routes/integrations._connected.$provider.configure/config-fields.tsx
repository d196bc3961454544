import { type FieldMetadata, getInputProps, getSelectProps } from "@conform-to/react";
import type { ConfigField } from "~/lib/integrations/config-form";

type Choice = { value: string; label: string };

/**
 * The generic renderer: checkbox for booleans, select for enums, a picker with Refresh (a submit
 * with intent=refresh: works without JS) for a field whose choices come from the provider, text
 * input otherwise.
 */
export function ConfigFields({
  specs,
  fields,
  choices = {},
}: {
  specs: ConfigField[];
  fields: Record<string, FieldMetadata<unknown>>;
  choices?: Record<string, Choice[]>;
}) {
  return (
    <>
      {specs.map((spec) => {
        const field = fields[spec.name]!;
        const error = field.errors ? (
          <p id={field.errorId} className="field-error">
            {field.errors.join(" ")}
          </p>
        ) : null;
        const hint = spec.description ? (
          <p id={`${field.id}-hint`} className="mt-1 text-xs text-slate-600">
            {spec.description}
          </p>
        ) : null;
        if (spec.kind === "boolean") {
          return (
            <div key={spec.name}>
              <label className="flex items-start gap-2 text-sm text-slate-900">
                <input {...getInputProps(field, { type: "checkbox" })} className="mt-0.5 size-4 rounded border-slate-300" />
                <span>{spec.title}</span>
              </label>
              {hint}
              {error}
            </div>
          );
        }
        const picks = Object.hasOwn(choices, spec.name) ? choices[spec.name]! : null;
        if (picks) {
          return (
            <div key={spec.name}>
              <label htmlFor={field.id} className="label">
                {spec.title}
              </label>
              <div className="flex gap-2">
                <select {...getSelectProps(field)} className="input min-w-0 flex-1">
                  <option value="">{`Choose… (${picks.length} available)`}</option>
                  {picks.map((c) => (
                    <option key={c.value} value={c.value}>
                      {c.label}
                    </option>
                  ))}
                </select>
                <button type="submit" name="intent" value="refresh" formNoValidate className="btn-secondary shrink-0">
                  Refresh
                </button>
              </div>
              {hint}
              {error}
            </div>
          );
        }
        if (spec.kind === "enum") {
          return (
            <div key={spec.name}>
              <label htmlFor={field.id} className="label">
                {spec.title}
              </label>
              <select {...getSelectProps(field)} className="input">
                {spec.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
              {hint}
              {error}
            </div>
          );
        }
        return (
          <div key={spec.name}>
            <label htmlFor={field.id} className="label">
              {spec.title}
            </label>
            <input
              {...getInputProps(field, { type: "text" })}
              inputMode={spec.kind === "number" ? "numeric" : undefined}
              className="input"
            />
            {hint}
            {error}
          </div>
        );
      })}
    </>
  );
}
