import { type IconProps, StrokeIcon } from "./icon-base";

/** The product mark: a CSS background (app/styles/tailwind.css `.logo-mark`), so no SVG tree ships in the page's JS. */
export function LogoMark({ className }: IconProps) {
  return <span className={`logo-mark ${className ?? ""}`} aria-hidden="true" />;
}

export const SearchIcon = ({ className }: IconProps) => (
  <StrokeIcon className={className}>
    <circle cx="11" cy="11" r="7" />
    <path d="m20 20-3.5-3.5" />
  </StrokeIcon>
);
export const DotsIcon = ({ className }: IconProps) => (
  <svg viewBox="0 0 24 24" className={className} fill="currentColor" aria-hidden="true">
    <circle cx="12" cy="5" r="1.8" />
    <circle cx="12" cy="12" r="1.8" />
    <circle cx="12" cy="19" r="1.8" />
  </svg>
);
