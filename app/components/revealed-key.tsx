import { CopyButton } from "./forms";

/**
 * The one-time reveal: a selectable read-only field (works without JS) plus a Copy button once
 * JavaScript runs. Reloading the page does not show it again.
 */
export function RevealedKey({ secret, name }: { secret: string; name: string }) {
  return (
    <div role="status" className="mt-4 rounded-md border border-green-300 bg-green-50 p-4">
      <p className="font-medium text-green-900">Your new key “{name}”. Copy it now: it will not be shown again.</p>
      <div className="mt-2 flex flex-col gap-2 sm:flex-row">
        <label htmlFor="revealed-key" className="sr-only">
          New API key
        </label>
        <input
          id="revealed-key"
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          className="input font-mono"
          autoComplete="off"
          spellCheck={false}
        />
        <CopyButton text={secret} />
      </div>
    </div>
  );
}
