import { type IconProps, StrokeIcon } from "./icon-base";

export function LogoMark({ className }: IconProps) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="#4f46e5" />
      <path
        d="M9 11.5a3.5 3.5 0 0 1 3.5-3.5h7a3.5 3.5 0 0 1 3.5 3.5v5a3.5 3.5 0 0 1-3.5 3.5H15l-4 3.5V20A3.5 3.5 0 0 1 9 16.5z"
        fill="#fff"
      />
      <circle cx="13" cy="14" r="1.3" fill="#4f46e5" />
      <circle cx="19" cy="14" r="1.3" fill="#4f46e5" />
    </svg>
  );
}

export const SearchIcon = ({ className }: IconProps) => (
  <StrokeIcon className={className}>
    <circle cx="11" cy="11" r="7" />
    <path d="m20 20-3.5-3.5" />
  </StrokeIcon>
);
export const HelpIcon = ({ className }: IconProps) => (
  <StrokeIcon className={className}>
    <circle cx="12" cy="12" r="9" />
    <path d="M9.5 9a2.5 2.5 0 0 1 4.9.7c0 1.8-2.4 2.1-2.4 3.8" />
    <path d="M12 17h.01" />
  </StrokeIcon>
);
export const BellIcon = ({ className }: IconProps) => (
  <StrokeIcon className={className}>
    <path d="M6 16V11a6 6 0 1 1 12 0v5l1.5 2h-15z" />
    <path d="M10 20a2 2 0 0 0 4 0" />
  </StrokeIcon>
);
export const MenuIcon = ({ className }: IconProps) => (
  <StrokeIcon className={className}>
    <path d="M4 6h16M4 12h16M4 18h16" />
  </StrokeIcon>
);
export const ChevronDownIcon = ({ className }: IconProps) => (
  <StrokeIcon className={className}>
    <path d="m6 9 6 6 6-6" />
  </StrokeIcon>
);
export const DotsIcon = ({ className }: IconProps) => (
  <svg viewBox="0 0 24 24" className={className} fill="currentColor" aria-hidden="true">
    <circle cx="12" cy="5" r="1.8" />
    <circle cx="12" cy="12" r="1.8" />
    <circle cx="12" cy="19" r="1.8" />
  </svg>
);
