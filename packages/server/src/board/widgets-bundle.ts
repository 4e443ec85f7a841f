import { createRequire } from 'node:module';

/**
 * The assets the board page may load, by the name they are served under. Nothing else is readable.
 * The bundle has no source map: it is unminified (docs/decisions/0017-publishable-packages.md).
 */
export const BOARD_ASSETS = ['aup-widgets.js'] as const;
export type BoardAsset = (typeof BOARD_ASSETS)[number];

const CONTENT_TYPES: Record<BoardAsset, string> = {
  'aup-widgets.js': 'text/javascript; charset=utf-8',
};

/** Where an asset lives on disk, or undefined when `@aup/widgets` is not installed. */
export function boardAssetPath(asset: BoardAsset): string | undefined {
  let bundle: string;
  try {
    // `@aup/widgets/bundle` is the widgets package's own name for its browser bundle (its exports map).
    bundle = createRequire(import.meta.url).resolve('@aup/widgets/bundle');
  } catch {
    return undefined;
  }
  return asset === 'aup-widgets.js' ? bundle : undefined;
}

/** The Content-Type an asset is served with. */
export function boardAssetType(asset: BoardAsset): string {
  return CONTENT_TYPES[asset];
}

/** Narrows a path segment to a known asset name. */
export function isBoardAsset(name: string): name is BoardAsset {
  return (BOARD_ASSETS as readonly string[]).includes(name);
}
