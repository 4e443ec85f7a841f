/**
 * Config keys more than one proposer reads. Each proposer's definition lists the same schema object,
 * so the config schema holds the key once, with one description.
 */
import { Type } from '@sinclair/typebox';
import { Str } from '../config/schema-builders.js';

/** Hyperband's and BOHB's halving rate. */
export const ETA_OPTION = Type.Number({ exclusiveMinimum: 1, description: 'Downsampling rate between rounds (default 3).' });

/** Hyperband's sampling proposer, hyperopt's algorithm, spearmint's chooser. */
export const ENGINE_OPTION = Str('Sampling engine: hyperband random|sequence; hyperopt tpe|rand|anneal; spearmint chooser name.');
