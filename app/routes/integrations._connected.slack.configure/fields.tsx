import type { FieldMetadata } from "@conform-to/react";
import type { ComponentProps } from "react";

type Channel = { id: string; name: string; isPrivate: boolean; isMember: boolean };

/** The channel dropdown with its Refresh button (a submit with intent=refresh: works without JS). */
export function ChannelField({
  field,
  channels,
  error,
  selectProps,
}: {
  field: FieldMetadata<string | undefined>;
  channels: Channel[];
  error: string | null;
  selectProps: ComponentProps<"select">;
}) {
  const hint = `${field.id}-hint`;
  return (
    <div>
      <label htmlFor={field.id} className="label">
        Notification Channel
      </label>
      <div className="flex gap-2">
        <select {...selectProps} aria-describedby={hint} className="input min-w-0 flex-1">
          <option value="">Choose a channel…</option>
          {channels.map((c) => (
            <option key={c.id} value={c.id} disabled={!c.isMember}>
              {`${c.isPrivate ? "🔒" : "#"}${c.name}${c.isMember ? "" : " (invite the app first)"}`}
            </option>
          ))}
        </select>
        <button type="submit" name="intent" value="refresh" formNoValidate className="btn-secondary shrink-0">
          Refresh
        </button>
      </div>
      <p id={hint} className="mt-1 text-xs text-slate-600">
        Channels the app has been added to. The list is kept for 5 minutes; Refresh asks Slack again.
      </p>
      {error ? (
        <p role="alert" className="field-error">
          {error}
        </p>
      ) : null}
      {field.errors ? (
        <p id={field.errorId} className="field-error">
          {field.errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}
