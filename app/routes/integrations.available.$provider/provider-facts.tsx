import { FeatureList } from "~/components/feature-list";

/** The spec's detail modal body: the features the adapter really has, then the permissions. */
export function ProviderFacts({
  provider,
}: {
  provider: { name: string; features: string[]; comingSoon: string[]; permissions: string[] };
}) {
  return (
    <>
      <hr className="my-4 border-slate-200" />
      <FeatureList name={provider.name} features={provider.features} comingSoon={provider.comingSoon} />
      <hr className="my-4 border-slate-200" />
      <h3 className="text-sm font-semibold text-slate-900">Permissions Required:</h3>
      <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-700">
        {provider.permissions.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </>
  );
}
