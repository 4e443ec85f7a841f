import type { ReactiveController, ReactiveControllerHost } from 'lit';

import { AupApiClient, type BoardHealth } from '../api/api-client.js';
import { pageToken } from '../api/session-token.js';

/** What an element may offer: control (start/stop/delete/kill...) and creation (create/copy/start/resume/reset). */
export interface Capabilities {
  /** The board serves mutating routes to this page: control buttons are shown. */
  control: boolean;
  /** Creating, copying, starting, resuming and resetting are allowed (not an attached board). */
  create: boolean;
  /** Why control is hidden, for a hint ('' when it is not). */
  reason: '' | 'read-only' | 'cross-origin' | 'no-api' | 'no-token' | 'unknown';
}

/** The inputs of `capabilitiesFrom`: what the page said and what the server answered. */
export interface CapabilityInputs {
  /** `read-only` attribute of the element (the page asks for no control). */
  readOnly: boolean;
  /** `attached` attribute (a board started by `aup run --board`). */
  attached: boolean;
  /** GET /health, once it answered; undefined while unknown or after a failure. */
  health: BoardHealth | undefined;
  /** Whether the API lives on another origin than the page (the board never serves it mutating routes). */
  crossOrigin: boolean;
  /** Whether there is an API at all (a `data`-only element has nothing to control). */
  hasApi: boolean;
  /** The board needs a session token and the element has none. */
  tokenMissing?: boolean;
}

/**
 * Decides which controls an element shows. Control needs an API on this page's origin (the
 * server refuses mutating CORS preflights, so a button there could only fail), a board that is
 * not read-only, and no `read-only` attribute. Until /health answers, control stays hidden: a
 * read-only board must never flash buttons it does not serve.
 * @example capabilitiesFrom({ readOnly: false, attached: true, health, crossOrigin: false, hasApi: true }) // { control: true, create: false, reason: '' }
 */
export function capabilitiesFrom(i: CapabilityInputs): Capabilities {
  const off = (reason: Capabilities['reason']): Capabilities => ({ control: false, create: false, reason });
  if (!i.hasApi) return off('no-api');
  if (i.readOnly) return off('read-only');
  if (i.crossOrigin) return off('cross-origin');
  if (i.health === undefined) return off('unknown');
  if (i.health.read_only) return off('read-only');
  if (i.tokenMissing === true) return off('no-token');
  return { control: true, create: !i.attached, reason: '' };
}

/** Whether `api` (absolute or relative to `pageHref`) is on another origin than the page. */
export function isCrossOrigin(api: string, pageHref: string): boolean {
  try {
    return new URL(api, pageHref).origin !== new URL(pageHref).origin;
  } catch {
    return true;
  }
}

// One /health request per API base for the whole page: a board shows a dozen elements that all ask.
const healthByBase = new Map<string, Promise<BoardHealth | undefined>>();

/** GET /health of `api`, shared by every caller on the page; undefined when it failed. */
export function boardHealth(api: string): Promise<BoardHealth | undefined> {
  const base = api.replace(/\/+$/, '');
  let p = healthByBase.get(base);
  if (p === undefined) {
    p = new AupApiClient(base).health().catch(() => {
      healthByBase.delete(base); // A board that was down may come up: ask again next time.
      return undefined;
    });
    healthByBase.set(base, p);
  }
  return p;
}

/** The element fields the controller reads. */
export interface CapabilityHost extends ReactiveControllerHost {
  api?: string | undefined;
  /** The session token, if the page has one. */
  token?: string | undefined;
  readOnly?: boolean;
  attached?: boolean;
}

/**
 * Keeps `value` (the element's Capabilities) up to date with its `api`, `read-only` and
 * `attached` properties and the board's /health answer.
 */
export class CapabilitiesController implements ReactiveController {
  value: Capabilities = { control: false, create: false, reason: 'unknown' };
  private health: BoardHealth | undefined;
  private asked: string | undefined;

  constructor(private readonly host: CapabilityHost) {
    host.addController(this);
  }

  hostUpdate(): void {
    const api = this.host.api;
    if (api && api !== this.asked && typeof location !== 'undefined' && !isCrossOrigin(api, location.href)) {
      this.asked = api;
      this.health = undefined;
      void boardHealth(api).then((h) => {
        if (this.asked !== api) return;
        this.health = h;
        this.host.requestUpdate();
      });
    }
    const hasToken = (this.host.token !== undefined && this.host.token !== '') || (api !== undefined && pageToken(api) !== undefined);
    // A board that says it needs a token (`token_required` in /health) makes a tokenless page
    // read-only; a board that does not say so (an older one) gets the buttons, and a refusal
    // reads as a 401 message naming the token.
    const tokenRequired = this.health?.token_required;
    this.value = capabilitiesFrom({
      tokenMissing: !hasToken && tokenRequired === true,
      readOnly: this.host.readOnly === true,
      attached: this.host.attached === true,
      health: this.health,
      crossOrigin: api ? typeof location === 'undefined' || isCrossOrigin(api, location.href) : false,
      hasApi: Boolean(api),
    });
  }
}
