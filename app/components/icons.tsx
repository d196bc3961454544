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

/** Sidebar icons, keyed by section. */
export const NavIcons = {
  dashboard: ({ className }: IconProps) => (
    <StrokeIcon className={className}>
      <rect x="3" y="3" width="7" height="9" rx="1.5" />
      <rect x="14" y="3" width="7" height="5" rx="1.5" />
      <rect x="14" y="12" width="7" height="9" rx="1.5" />
      <rect x="3" y="16" width="7" height="5" rx="1.5" />
    </StrokeIcon>
  ),
  agents: ({ className }: IconProps) => (
    <StrokeIcon className={className}>
      <rect x="5" y="7" width="14" height="11" rx="3" />
      <path d="M12 3v4M9 12h.01M15 12h.01M2 12v2M22 12v2" />
    </StrokeIcon>
  ),
  knowledge: ({ className }: IconProps) => (
    <StrokeIcon className={className}>
      <path d="M4 5.5A2.5 2.5 0 0 1 6.5 3H20v15H6.5A2.5 2.5 0 0 0 4 20.5z" />
      <path d="M4 20.5A2.5 2.5 0 0 0 6.5 23H20v-5" />
    </StrokeIcon>
  ),
  conversations: ({ className }: IconProps) => (
    <StrokeIcon className={className}>
      <path d="M4 5h16v11H9l-5 4z" />
    </StrokeIcon>
  ),
  widget: ({ className }: IconProps) => (
    <StrokeIcon className={className}>
      <rect x="3" y="4" width="18" height="14" rx="2" />
      <circle cx="17" cy="14" r="2" />
    </StrokeIcon>
  ),
  integrations: ({ className }: IconProps) => (
    <StrokeIcon className={className}>
      <path d="M9 3v4M15 3v4M7 7h10v4a5 5 0 0 1-10 0zM12 16v5" />
    </StrokeIcon>
  ),
  settings: ({ className }: IconProps) => (
    <StrokeIcon className={className}>
      <circle cx="12" cy="12" r="3" />
      <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 0 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 0 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 0 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 0 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z" />
    </StrokeIcon>
  ),
  billing: ({ className }: IconProps) => (
    <StrokeIcon className={className}>
      <rect x="2" y="5" width="20" height="14" rx="2" />
      <path d="M2 10h20M6 15h4" />
    </StrokeIcon>
  ),
} as const;
