/** The network descriptions `eas` searches over, and the Net2Wider / Net2Deeper edits of them. */
import { AupError } from '../../errors.js';
import type { Json, JsonObject } from '../../types.js';

/** A layer: `units` is what the proposer changes; every other key (type, activation, ...) is carried over as given. */
export type NetLayer = JsonObject & { units: number };

/** A network: the hidden layers in order, plus the search's limits. */
export interface NetDescription {
  layers: NetLayer[];
  /** Deepening stops at this many layers. */
  maxLayers: number;
  /** Widening stops at this many units per layer. */
  maxUnits: number;
}

/** One hidden layer of 4 units: small enough that widening and deepening can help. */
export const DEFAULT_LAYERS: readonly NetLayer[] = [{ type: 'dense', units: 4 }];
export const DEFAULT_MAX_LAYERS = 6;
export const DEFAULT_MAX_UNITS = 64;

/** Widening factors the policy chooses between ("by how much"). */
export const WIDEN_FACTORS = [1.5, 2] as const;
/** Action kinds, in the order the policy's action index encodes them: one per widen factor, then deepen. */
export const ACTION_KINDS = WIDEN_FACTORS.length + 1;

/** What a child is of its parent; the job gets it as `transformation` to initialise from the parent's weights. */
export type Transformation = { kind: 'wider'; layer: number; from: number; to: number } | { kind: 'deeper'; after: number; units: number };

function bad(path: string, expected: string, found: unknown): AupError {
  return new AupError(
    'AUP_ERR_PROPOSER_CONFIG',
    `${path}: the eas proposer expected ${expected}, found ${JSON.stringify(found) ?? 'nothing'}`,
    {
      details: { path, expected, found: (found ?? null) as Json },
    },
  );
}

function positiveInt(x: unknown, path: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) throw bad(path, 'an integer >= 1', x);
  return x;
}

/** Reads the config's `net_config` (`{ "layers": [{ "type": "dense", "units": 8 }], "max_layers"?, "max_units"? }`); the default when absent. */
export function readNetConfig(raw: Json | undefined): NetDescription {
  if (raw === undefined || raw === null) {
    return { layers: DEFAULT_LAYERS.map((l) => ({ ...l })), maxLayers: DEFAULT_MAX_LAYERS, maxUnits: DEFAULT_MAX_UNITS };
  }
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw bad('net_config', 'an object like {"layers": [{"type": "dense", "units": 8}]}', raw);
  const known = new Set(['layers', 'max_layers', 'max_units']);
  for (const k of Object.keys(raw)) if (!known.has(k)) throw bad(`net_config.${k}`, `one of the keys ${[...known].join(', ')}`, k);
  const layersRaw = raw['layers'];
  if (!Array.isArray(layersRaw) || layersRaw.length === 0) throw bad('net_config.layers', 'a non-empty array of layers', layersRaw);
  const layers = layersRaw.map((l, i): NetLayer => {
    const at = `net_config.layers[${i}]`;
    if (typeof l !== 'object' || l === null || Array.isArray(l)) throw bad(at, 'an object like {"type": "dense", "units": 8}', l);
    if (l['type'] !== undefined && l['type'] !== 'dense')
      throw bad(`${at}.type`, '"dense" (the only layer type eas transforms)', l['type']);
    return { ...structuredClone(l), units: positiveInt(l['units'], `${at}.units`) };
  });
  const maxLayers =
    raw['max_layers'] === undefined ? Math.max(DEFAULT_MAX_LAYERS, layers.length) : positiveInt(raw['max_layers'], 'net_config.max_layers');
  const widest = Math.max(...layers.map((l) => l.units));
  const maxUnits =
    raw['max_units'] === undefined ? Math.max(DEFAULT_MAX_UNITS, widest) : positiveInt(raw['max_units'], 'net_config.max_units');
  if (layers.length > maxLayers) throw bad('net_config.max_layers', `at least the ${layers.length} layers given`, maxLayers);
  if (widest > maxUnits) throw bad('net_config.max_units', `at least the widest layer's ${widest} units`, maxUnits);
  return { layers, maxLayers, maxUnits };
}

/** The width a widen action gives a layer: at least one more unit, at most `maxUnits`. */
function widened(units: number, factor: number, maxUnits: number): number {
  return Math.min(maxUnits, Math.max(units + 1, Math.round(units * factor)));
}

/** Number of actions of the policy for networks of at most `maxLayers` layers. */
export function actionCount(maxLayers: number): number {
  return ACTION_KINDS * maxLayers;
}

/** The action indices that change `layers` (a layer exists, is not at full width; depth below the limit). */
export function validActions(layers: readonly NetLayer[], net: NetDescription): number[] {
  const out: number[] = [];
  for (let kind = 0; kind < ACTION_KINDS; kind++) {
    for (let i = 0; i < layers.length; i++) {
      const ok = kind < WIDEN_FACTORS.length ? layers[i]!.units < net.maxUnits : layers.length < net.maxLayers;
      if (ok) out.push(kind * net.maxLayers + i);
    }
  }
  return out;
}

/** Applies action `action` (from {@link validActions}) to `layers`: the child's layers and the edit made. */
export function applyAction(
  layers: readonly NetLayer[],
  action: number,
  net: NetDescription,
): { layers: NetLayer[]; transformation: Transformation } {
  const kind = Math.floor(action / net.maxLayers);
  const i = action % net.maxLayers;
  const child = layers.map((l) => ({ ...l }));
  const layer = child[i]!;
  if (kind < WIDEN_FACTORS.length) {
    const to = widened(layer.units, WIDEN_FACTORS[kind]!, net.maxUnits);
    const transformation: Transformation = { kind: 'wider', layer: i, from: layer.units, to };
    layer.units = to;
    return { layers: child, transformation };
  }
  // Net2Deeper: the new layer copies the one before it (same width and keys), so it can start as the identity.
  child.splice(i + 1, 0, { ...layer });
  return { layers: child, transformation: { kind: 'deeper', after: i, units: layer.units } };
}
