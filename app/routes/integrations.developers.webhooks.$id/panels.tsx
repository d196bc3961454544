import { CopyButton } from "~/components/forms";

/** The one-time secret reveal (ADR 0004): shown once; the Copy button appears only when JavaScript can copy. */
export function SecretReveal({ secret }: { secret: string }) {
  return (
    <div role="status" className="rounded-md border border-green-300 bg-green-50 p-3">
      <p className="font-medium text-green-900">Signing secret (shown once)</p>
      <div className="mt-2 flex gap-2">
        <input readOnly value={secret} aria-label="Signing secret" className="input font-mono" onFocus={(e) => e.currentTarget.select()} />
        <CopyButton text={secret} />
      </div>
      <p className="mt-1 text-green-900">Use this to verify webhook signatures. Store it now: it will not be shown again.</p>
    </div>
  );
}

export function TestResultPanel({
  test,
}: {
  test: { statusCode: number | null; durationMs: number; responseExcerpt: string | null; error: string | null };
}) {
  const ok = test.statusCode !== null && test.statusCode >= 200 && test.statusCode < 300;
  return (
    <div role="status" className={`rounded-md border p-3 ${ok ? "border-green-300 bg-green-50" : "border-red-300 bg-red-50"}`}>
      <p className="font-medium">
        Test event {ok ? "delivered" : "failed"}: status {test.statusCode ?? "none"} · {test.durationMs} ms
      </p>
      {test.error ? <p className="mt-1 text-red-800">{test.error}</p> : null}
      <pre className="mt-2 max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-white p-2 text-xs">
        {test.responseExcerpt || "(empty response)"}
      </pre>
    </div>
  );
}
