import { readFile } from 'node:fs/promises';

import { AupError, VERSION } from '@aup/core';
import type { FastifyInstance } from 'fastify';

import { API_PREFIX } from '../api/route-context.js';
import { BOARD_PAGE_CSP, boardPage } from './board-page.js';
import { BOARD_ASSETS, boardAssetPath, boardAssetType, isBoardAsset } from './widgets-bundle.js';

/** The board page at `/` and the widgets bundle under `/assets/`. */
export async function siteRoutes(site: FastifyInstance, attached: boolean): Promise<void> {
  site.get('/', { schema: { summary: 'The board page (HTML)' } }, async (_request, reply) => {
    return (
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', BOARD_PAGE_CSP)
        .header('x-content-type-options', 'nosniff')
        // The page is opened as /?token=...: no link or request it makes may carry that URL along.
        .header('referrer-policy', 'no-referrer')
        .send(boardPage({ apiBase: API_PREFIX, version: VERSION, attached }))
    );
  });

  site.get<{ Params: { name: string } }>(
    '/assets/:name',
    { schema: { summary: 'The widgets bundle, aup-widgets.js' } },
    async (request, reply) => {
      const { name } = request.params;
      const path = isBoardAsset(name) ? boardAssetPath(name) : undefined;
      if (!isBoardAsset(name) || path === undefined) {
        throw new AupError(
          'AUP_ERR_NOT_FOUND',
          isBoardAsset(name)
            ? `The widgets bundle is not installed: expected the @aup/widgets package with dist/${name} (build it with 'npm run build')`
            : `No board asset is named '${name}': expected ${BOARD_ASSETS.join(', ')}`,
          { details: { asset: name } },
        );
      }
      let body: Buffer;
      try {
        body = await readFile(path);
      } catch (cause) {
        throw new AupError(
          'AUP_ERR_NOT_FOUND',
          `The board asset ${name} cannot be read from ${path}: build the widgets with 'npm run build'`,
          {
            details: { asset: name },
            cause,
          },
        );
      }
      return reply.type(boardAssetType(name)).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(body);
    },
  );
}
