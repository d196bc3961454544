import type { ReactNode } from "react";

export type IconProps = { className?: string };

/** The 24 px outline icon frame every stroke icon shares (decorative: hidden from assistive technology). */
export const StrokeIcon = ({ className, children }: IconProps & { children: ReactNode }) => (
  <svg
    viewBox="0 0 24 24"
    className={className}
    fill="none"
    stroke="currentColor"
    strokeWidth={1.8}
    strokeLinecap="round"
    strokeLinejoin="round"
    aria-hidden="true"
  >
    {children}
  </svg>
);
