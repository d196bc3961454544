import { type FieldMetadata, getInputProps, getSelectProps } from "@conform-to/react";
import type { ConfigField } from "~/lib/integrations/config-form";

/** The generic renderer: checkbox for booleans, select for enums, text input otherwise. */
export function ConfigFields({ specs, fields }: { specs: ConfigField[]; fields: Record<string, FieldMetadata<unknown>> }) {
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
