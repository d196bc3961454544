/**
 * Icons of modals and result screens only, apart from icons.tsx: the /integrations page's JS then
 * does not carry them (the JS budget, docs/architecture.md §8).
 */
import { type IconProps, StrokeIcon } from "./icon-base";

export const CloseIcon = ({ className }: IconProps) => (
  <StrokeIcon className={className}>
    <path d="M6 6l12 12M18 6 6 18" />
  </StrokeIcon>
);
export const CheckIcon = ({ className }: IconProps) => (
  <StrokeIcon className={className}>
    <path d="m5 12.5 4.5 4.5L19 7.5" />
  </StrokeIcon>
);
export const WarningIcon = ({ className }: IconProps) => (
  <StrokeIcon className={className}>
    <path d="M12 3 2.5 20h19z" />
    <path d="M12 10v4M12 17h.01" />
  </StrokeIcon>
);
