/** The adapter's features: exactly what the integration does once connected. */
export function FeatureList({ features, className = "mt-2" }: { features: string[]; className?: string }) {
  if (features.length === 0) return null;
  return (
    <ul aria-label="Features that work today" className={`${className} list-disc space-y-0.5 pl-5 text-sm text-slate-700`}>
      {features.map((f) => (
        <li key={f}>{f}</li>
      ))}
    </ul>
  );
}
