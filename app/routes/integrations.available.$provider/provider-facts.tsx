import { FeatureList } from "~/components/feature-list";

/** What works today, what is coming, and the permissions: the honest part of every detail screen. */
export function ProviderFacts({
  provider,
}: {
  provider: { worksToday: string; features: string[]; comingSoon: string[]; permissions: string[] };
}) {
  return (
    <>
      <hr className="my-4 border-slate-200" />
      <h3 className="text-sm font-semibold text-slate-900">What works today</h3>
      <p className="mt-1 text-sm text-slate-700">{provider.worksToday}</p>
      <FeatureList features={provider.features} />
      {provider.comingSoon.length ? (
        <>
          <h3 className="mt-4 text-sm font-semibold text-slate-900">
            Features <span className="badge bg-slate-100 text-slate-700">Coming soon</span>
          </h3>
          <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-700">
            {provider.comingSoon.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        </>
      ) : null}
      <hr className="my-4 border-slate-200" />
      <h3 className="text-sm font-semibold text-slate-900">Permissions Required</h3>
      <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-700">
        {provider.permissions.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </>
  );
}
