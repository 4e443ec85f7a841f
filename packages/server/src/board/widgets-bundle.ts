import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The assets the board page may load, by the name they are served under. Nothing else is readable.
 * The bundle has no source map: it is unminified (docs/decisions/0020-publishable-packages.md).
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
    // The browser bundle is the `default` target of `@aup/widgets/bundle` in the widgets package's
    // exports map. Resolving that entry from Node would give its `node` target (the ES modules,
    // which load without a DOM), so the file is read from the map instead.
    const manifest = createRequire(import.meta.url).resolve('@aup/widgets/package.json');
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: { './bundle': { default: string } } };
    bundle = join(dirname(manifest), pkg.exports['./bundle'].default);
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
