// The board's remembered preferences (localStorage keys) and how the first theme is chosen.

/** The two themes every element has. */
export type BoardTheme = 'light' | 'dark';

/** localStorage key of the dark-mode toggle's choice. */
export const THEME_STORAGE_KEY = 'aup-board-theme';
/** localStorage key of the experiment list's layout (list or tiles). */
export const VIEW_STORAGE_KEY = 'aup-board-list-view';

/**
 * The theme a board opens with: the one the user chose last (stored), else the system's.
 * @example initialTheme(null, true) // 'dark'
 */
export function initialTheme(stored: string | null, systemPrefersDark: boolean): BoardTheme {
  if (stored === 'light' || stored === 'dark') return stored;
  return systemPrefersDark ? 'dark' : 'light';
}
