import { getInputProps, type FieldMetadata } from "@conform-to/react";
import { webhookEventTypes } from "~/lib/vocabulary";
import { EVENT_DESCRIPTIONS } from "~/lib/webhooks/endpoint-schema";

type Fields = {
  url: FieldMetadata<string>;
  description: FieldMetadata<string | undefined>;
  events: FieldMetadata<string[]>;
};

function asList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : [];
}

/** URL, description and event checkboxes: shared by the Add and Edit modals. */
export function EndpointFields({ fields, formErrors, formErrorId }: { fields: Fields; formErrors?: string[]; formErrorId: string }) {
  const chosen = asList(fields.events.initialValue);
  return (
    <div className="space-y-5">
      {formErrors?.length ? (
        <div role="alert" id={formErrorId} className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{formErrors.join(" ")}</div>
      ) : null}
      <div>
        <label htmlFor={fields.url.id} className="label">Endpoint URL *</label>
        <input {...getInputProps(fields.url, { type: "url" })} className="input font-mono" placeholder="https://" required autoComplete="off" />
        {fields.url.errors ? <p id={fields.url.errorId} className="field-error">{fields.url.errors.join(" ")}</p> : null}
      </div>
      <div>
        <label htmlFor={fields.description.id} className="label">Description (optional)</label>
        <input {...getInputProps(fields.description, { type: "text" })} className="input" placeholder="CRM integration webhook" />
        {fields.description.errors ? <p id={fields.description.errorId} className="field-error">{fields.description.errors.join(" ")}</p> : null}
      </div>
      <fieldset aria-describedby={fields.events.errors ? fields.events.errorId : undefined}>
        <legend className="label">Events to Subscribe *</legend>
        <div className="mt-1 space-y-2">
          {webhookEventTypes.map((type) => (
            <label key={type} className="flex items-start gap-2 text-sm">
              <input type="checkbox" name={fields.events.name} value={type} defaultChecked={chosen.includes(type)} className="mt-0.5 size-4" />
              <span>
                <code className="font-mono">{type}</code>
                <span className="block text-xs text-slate-600">{EVENT_DESCRIPTIONS[type]}</span>
              </span>
            </label>
          ))}
        </div>
        {fields.events.errors ? <p id={fields.events.errorId} className="field-error">{fields.events.errors.join(" ")}</p> : null}
      </fieldset>
    </div>
  );
}

/** Splits lib field errors into conform's form-level and field-level errors. */
export function splitErrors(errors: Record<string, string[]>) {
  const { "": formErrors, ...fieldErrors } = errors;
  return { formErrors: formErrors ?? [], fieldErrors };
}
