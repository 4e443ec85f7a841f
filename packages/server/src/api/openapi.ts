import type { RouteOptions } from 'fastify';

/** One route as the OpenAPI builder sees it: what Fastify's `onRoute` hook reports. */
export interface RouteEntry {
  method: string;
  /** Fastify's URL, e.g. `/api/v1/experiments/:id`. */
  url: string;
  schema?: RouteSchema;
}

/** The parts of a route schema the document is built from (TypeBox objects are plain JSON Schema). */
export interface RouteSchema {
  summary?: string;
  description?: string;
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
  response?: Record<string, unknown>;
  /** Extension: the route changes data, so it needs the session token. */
  'x-mutating'?: boolean;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

type JsonObject = Record<string, unknown>;

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document. */
    summary?: string;
    description?: string;
    /** The route changes data: it needs the session token and is absent in read-only mode. */
    'x-mutating'?: boolean;
  }
}

/** Fastify adds a HEAD twin to every GET; the document lists the GET only, as OpenAPI readers expect. */
const IMPLICIT_METHODS: ReadonlySet<string> = new Set(['HEAD', 'OPTIONS']);

/** The name of the security scheme mutating operations require. */
export const BEARER_SCHEME = 'sessionToken';

/** The document entries of one route declaration (the implicit HEAD and OPTIONS twins left out). */
export function routeEntries(route: RouteOptions): RouteEntry[] {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods
    .filter((m) => !IMPLICIT_METHODS.has(m.toUpperCase()))
    .map((m) => ({ method: m.toUpperCase(), url: route.url, schema: route.schema as RouteSchema | undefined }));
}

/** Fastify's `/a/:id` as OpenAPI's `/a/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/**
 * Builds an OpenAPI 3.1 document from the declared routes: path and query parameters, request body
 * and responses come straight from the route schemas that also validate and serialize.
 */
export function buildOpenApi(routes: readonly RouteEntry[], info: OpenApiInfo): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const sorted = [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  for (const route of sorted) {
    const path = openApiPath(route.url);
    const item = (paths[path] ??= {});
    item[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: {
        [BEARER_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          description: 'The session token aup-board prints at start (or --token). Required by every mutating route.',
        },
      },
    },
  };
}

function operation(route: RouteEntry): JsonObject {
  const schema = route.schema ?? {};
  const op: JsonObject = { operationId: operationId(route) };
  if (schema.summary !== undefined) op['summary'] = schema.summary;
  if (schema.description !== undefined) op['description'] = schema.description;
  const parameters = [...parametersOf(schema.params, 'path'), ...parametersOf(schema.querystring, 'query')];
  if (parameters.length > 0) op['parameters'] = parameters;
  if (schema.body !== undefined) {
    op['requestBody'] = { required: true, content: { 'application/json': { schema: plain(schema.body) } } };
  }
  op['responses'] = responsesOf(schema.response);
  if (schema['x-mutating'] === true) {
    op['security'] = [{ [BEARER_SCHEME]: [] }];
    // Kept in the document: clients (and the security tests) find the routes that change data by it.
    op['x-mutating'] = true;
  }
  return op;
}

function operationId(route: RouteEntry): string {
  const words = route.url
    .split('/')
    .filter((s) => s !== '' && s !== 'api' && !/^v\d+$/.test(s))
    .map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s));
  return [route.method.toLowerCase(), ...words].join('-').replace(/[^A-Za-z0-9-]/g, '-') || route.method.toLowerCase();
}

function parametersOf(schema: unknown, location: 'path' | 'query'): JsonObject[] {
  if (!isObject(schema) || !isObject(schema['properties'])) return [];
  const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  return Object.entries(schema['properties']).map(([name, prop]) => {
    const p = plain(prop) as JsonObject;
    const out: JsonObject = { name, in: location, required: location === 'path' || (required.has(name) && !('default' in p)), schema: p };
    if (typeof p['description'] === 'string') out['description'] = p['description'];
    return out;
  });
}

function responsesOf(response: Record<string, unknown> | undefined): JsonObject {
  if (response === undefined) return { default: { description: 'Response' } };
  const out: JsonObject = {};
  for (const [status, schema] of Object.entries(response)) {
    // OpenAPI spells status ranges 4XX; Fastify accepts 4xx.
    const key = /^\dxx$/i.test(status) ? status.toUpperCase() : status;
    out[key] = {
      description: describeStatus(key),
      content: { 'application/json': { schema: plain(schema) } },
    };
  }
  return out;
}

function describeStatus(status: string): string {
  if (status === '4XX') return 'A client mistake, in the error shape { code, message, details }';
  if (status === '5XX') return 'A fault of the server, in the error shape { code, message, details }';
  return status.startsWith('2') ? 'Success' : `Status ${status}`;
}

/** A deep copy without TypeBox's symbol keys or anything JSON cannot hold. */
function plain(schema: unknown): unknown {
  return schema === undefined ? {} : (JSON.parse(JSON.stringify(schema)) as unknown);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
