/**
 * IVS playback URLs, `https://<host>/api/video/v1/<region>.<account>.channel.<id>.m3u8?token=…`
 * (docs/ivs-playback-rules.md, "Regions"), taken apart as a player pastes them: the channel they
 * name, and every token they carry — also the ones a second paste left inside the first.
 */

const PLAYBACK_PATH = /^\/api\/video\/v1\/([a-z0-9-]+)\.([0-9]+)\.channel\.([a-zA-Z0-9-]+)\.m3u8$/;

export interface PlaybackUrlParts {
  /** The channel's URL without query (`https://host/api/video/v1/….m3u8`). */
  readonly base: string;
  readonly channelArn: string;
  readonly region: string;
  readonly accountId: string;
  /** Every value of the `token` query parameter, in order (IVS accepts exactly one). */
  readonly tokens: readonly string[];
  /**
   * The URL or its token holds a second playback URL or token: a URL pasted onto another
   * (`….m3u8?token=A?token=B`, `….m3u8?token=https://….m3u8?token=…`).
   */
  readonly doubled: boolean;
}

export type PlaybackUrlReading =
  | { readonly ok: true; readonly url: PlaybackUrlParts }
  | { readonly ok: false; readonly reason: string };

/** Reads a playback URL, or says in words why it is not one. */
export function readPlaybackUrl(text: string): PlaybackUrlReading {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { ok: false, reason: 'is not a URL (a playback URL starts with https://)' };
  }
  if (url.protocol !== 'https:') {
    return { ok: false, reason: `uses ${url.protocol.replace(/:$/, '')}; IVS playback URLs use https` };
  }
  const path = PLAYBACK_PATH.exec(url.pathname);
  if (!path) {
    return {
      ok: false,
      reason:
        'is not an IVS playback URL: its path must be /api/video/v1/<region>.<account>.channel.<id>.m3u8',
    };
  }
  const [, region = '', accountId = '', channelId = ''] = path;
  const tokens = url.searchParams.getAll('token');
  // A second `?` inside the query, or a URL or `token=` inside a token's value, are what a URL
  // pasted onto a URL leaves behind (two `&token=` parameters are counted apart).
  const doubled =
    url.search.slice(1).includes('?') ||
    tokens.some((token) => /m3u8|https?:|token=/i.test(decodeSafely(token)));
  return {
    ok: true,
    url: {
      base: `${url.origin}${url.pathname}`,
      channelArn: `arn:aws:ivs:${region}:${accountId}:channel/${channelId}`,
      region,
      accountId,
      tokens,
      doubled,
    },
  };
}

/**
 * The token a doubled URL most likely meant: the last JWT-shaped run in it (a second paste puts
 * the newer token last). Undefined when none is there.
 */
export function lastTokenIn(text: string): string | undefined {
  const candidates = text.match(/eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g);
  return candidates?.at(-1);
}

/** Whether a pasted value is a URL rather than a bare token. */
export function looksLikeUrl(text: string): boolean {
  return /^\s*[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

function decodeSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
