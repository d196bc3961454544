import type { FieldMetadata } from "@conform-to/react";
import { EVENT_DESCRIPTIONS, webhookEventTypes } from "~/lib/vocabulary";
import { CheckboxGroup, Field, FormAlert } from "./forms";

type Fields = {
  url: FieldMetadata<string>;
  description: FieldMetadata<string | undefined>;
  events: FieldMetadata<string[]>;
};

/** URL, description and event checkboxes of a webhook endpoint: shared by the Add and Edit modals. */
export function EndpointFields({
  fields,
  urlRule,
  formErrors,
  formErrorId,
}: {
  fields: Fields;
  urlRule: string;
  formErrors?: string[];
  formErrorId: string;
}) {
  return (
    <div className="space-y-5">
      <FormAlert id={formErrorId} errors={formErrors} />
      <Field
        meta={fields.url}
        type="url"
        label="Endpoint URL *"
        hint={urlRule}
        inputProps={{ className: "font-mono", placeholder: "https://", required: true, autoComplete: "off" }}
      />
      <Field meta={fields.description} label="Description (optional)" inputProps={{ placeholder: "CRM integration webhook" }} />
      <CheckboxGroup
        meta={fields.events}
        legend="Events to Subscribe *"
        options={webhookEventTypes.map((type) => ({
          value: type,
          label: <code className="font-mono">{type}</code>,
          hint: EVENT_DESCRIPTIONS[type],
        }))}
      />
    </div>
  );
}

/** Splits lib field errors into conform's form-level and field-level errors. */
export function splitErrors(errors: Record<string, string[]>) {
  const { "": formErrors, ...fieldErrors } = errors;
  return { formErrors: formErrors ?? [], fieldErrors };
}
