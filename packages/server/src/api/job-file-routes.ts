import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';

import { AupError } from '@aup/core';
import type { FastifyInstance, FastifyReply } from 'fastify';

import { resolveConfined } from './confined-path.js';
import { FileBodySchema, FileIndexParamsSchema, type FileIndexParams } from './job-schemas.js';
import { jobOr404, pathOf, workingDirOf } from './job-lookup.js';
import type { RouteContext } from './route-context.js';
import { ERROR_RESPONSES } from './schemas.js';

// The files a job recorded, served from inside its experiment's working directory
// (confined-path.ts): images inline, artifacts as downloads.

/** Content types the board names for a file it serves; anything else is served as opaque bytes. */
const IMAGE_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
};
const ARTIFACT_TYPES: Readonly<Record<string, string>> = {
  ...IMAGE_TYPES,
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.out': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.yml': 'text/plain; charset=utf-8',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
};
const OPAQUE = 'application/octet-stream';
// A served file never runs as part of the board's origin: no scripts, no plugins, even for an
// SVG or an HTML file a job wrote (HTML is served as opaque bytes anyway).
const FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";
/** `GET /jobs/:jid/images/:index` and `GET /jobs/:jid/artifacts/:index`. */
export function jobFileRoutes(api: FastifyInstance, ctx: RouteContext): void {
  api.get<{ Params: FileIndexParams }>(
    '/jobs/:jid/images/:index',
    {
      schema: {
        summary: 'An image file a job recorded (the index-th image record), served inline',
        params: FileIndexParamsSchema,
        response: { 200: FileBodySchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const store = ctx.store;
      const { jid, index } = request.params;
      const job = await jobOr404(store, jid);
      const images = (await store.listTextRecords(job.id)).filter((r) => r.kind === 'image');
      const image = images[index];
      if (image === undefined) throw noSuchIndex('image', job.id, index, images.length);
      const recorded = pathOf(image);
      const type = IMAGE_TYPES[extname(recorded).toLowerCase()];
      const file = await resolveConfined(await workingDirOf(store, job), recorded, `image ${index} of job ${job.id}`);
      if (type === undefined) {
        throw new AupError(
          'AUP_ERR_FILE_NOT_FOUND',
          `Image ${index} of job ${job.id} is recorded as '${recorded}', which is not an image the board shows: expected one of ${Object.keys(IMAGE_TYPES).join(', ')}; download it as an artifact instead`,
          { details: { job_id: job.id, index, path: recorded } },
        );
      }
      return sendFile(reply, file.path, file.size, type, 'inline', recorded);
    },
  );

  api.get<{ Params: FileIndexParams }>(
    '/jobs/:jid/artifacts/:index',
    {
      schema: {
        summary: 'Download an artifact a job recorded (the index-th), as an attachment',
        params: FileIndexParamsSchema,
        response: { 200: FileBodySchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const store = ctx.store;
      const { jid, index } = request.params;
      const job = await jobOr404(store, jid);
      const artifacts = await store.listArtifacts(job.id);
      const artifact = artifacts[index];
      if (artifact === undefined) throw noSuchIndex('artifact', job.id, index, artifacts.length);
      const file = await resolveConfined(await workingDirOf(store, job), artifact.path, `artifact ${index} of job ${job.id}`);
      const type = ARTIFACT_TYPES[extname(artifact.path).toLowerCase()] ?? OPAQUE;
      return sendFile(reply, file.path, file.size, type, 'attachment', artifact.path);
    },
  );
}

function noSuchIndex(what: 'image' | 'artifact', jobId: number, index: number, count: number): AupError {
  return new AupError(
    'AUP_ERR_FILE_NOT_FOUND',
    `Job ${jobId} has no ${what} ${index}: it recorded ${count} ${what}(s), numbered from 0 (GET /api/v1/jobs/${jobId} lists them)`,
    { details: { job_id: jobId, index, count } },
  );
}

function sendFile(
  reply: FastifyReply,
  path: string,
  size: number,
  type: string,
  disposition: 'inline' | 'attachment',
  recorded: string,
): FastifyReply {
  return reply
    .type(type)
    .header('content-length', size)
    .header('content-disposition', contentDisposition(disposition, basename(recorded)))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', FILE_CSP)
    .header('cache-control', 'no-cache')
    .send(createReadStream(path));
}

/** A header value safe for any file name: an ASCII fallback plus the exact name per RFC 6266/5987. */
export function contentDisposition(disposition: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'file';
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
