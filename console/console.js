// The support console: "Why won't it play?" and the keys in every region. Plain DOM, no build step,
// no HTML from strings (the page's Content-Security-Policy requires Trusted Types, so it could not),
// and the API key kept in this tab's session storage only.

const API_KEY_STORAGE = 'ivs-playback-auth.api-key';
const VERDICT_TITLES = { plays: 'Plays', 'will-not-play': 'Will not play', 'cannot-tell': 'Cannot tell' };

const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
};

/** An element with attributes and children (strings become text nodes, never HTML). */
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== false)
      element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return element;
}

function show(container, ...children) {
  container.replaceChildren(...children);
}

// --- The API key ----------------------------------------------------------------------------------

function storedKey() {
  return sessionStorage.getItem(API_KEY_STORAGE) ?? '';
}

function sayKeyStatus() {
  const key = storedKey();
  $('api-key-status').textContent = key
    ? `Using the key ${key.split('_').slice(0, 2).join('_')}_… (this tab only).`
    : 'No API key yet: type one above.';
}

$('api-key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('api-key');
  const key = input.value.trim();
  if (!key) {
    $('api-key-status').textContent = 'Type an API key first (it looks like ipa_…).';
    input.focus();
    return;
  }
  sessionStorage.setItem(API_KEY_STORAGE, key);
  input.value = '';
  sayKeyStatus();
});

$('api-key-forget').addEventListener('click', () => {
  sessionStorage.removeItem(API_KEY_STORAGE);
  $('api-key').value = '';
  sayKeyStatus();
});

// --- Calling the API ------------------------------------------------------------------------------

class ApiProblem extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

async function api(method, path, body) {
  const key = storedKey();
  if (!key) throw new ApiProblem('Type an API key at the top of the page first.', 'NO_API_KEY');
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiProblem('The service could not be reached. Is it running?', 'UNREACHABLE');
  }
  const payload = await response.json().catch(() => ({}));
  if (response.ok) return payload;
  throw new ApiProblem(problemMessage(response.status, payload), payload.code ?? `HTTP_${response.status}`);
}

function problemMessage(status, payload) {
  if (status === 401) {
    return 'The API key was not accepted (UNAUTHENTICATED): it is unknown, revoked or incomplete. Check it, or create one with: ivs-playback-auth api-keys create --scope tokens:issue';
  }
  if (payload.code === 'INSUFFICIENT_SCOPE') {
    const scope = payload.details?.requiredScope ?? 'another';
    return `This API key lacks the ${scope} scope this needs (INSUFFICIENT_SCOPE). Use a key created with --scope ${scope}.`;
  }
  if (status === 429) return `${payload.message ?? 'Too many requests.'} (${payload.code ?? 'HTTP 429'})`;
  return `${payload.message ?? `The service answered ${status}.`} (${payload.code ?? `HTTP ${status}`})`;
}

function problemBox(error) {
  const message = error instanceof ApiProblem ? error.message : 'Something went wrong in the page.';
  return el('div', { class: 'error-box', role: 'alert' }, el('p', {}, message));
}

// --- Views ----------------------------------------------------------------------------------------

const VIEWS = { inspect: ['show-inspect', 'view-inspect'], keys: ['show-keys', 'view-keys'] };

function showView(name) {
  for (const [view, [buttonId, sectionId]] of Object.entries(VIEWS)) {
    const active = view === name;
    $(sectionId).hidden = !active;
    if (active) $(buttonId).setAttribute('aria-current', 'page');
    else $(buttonId).removeAttribute('aria-current');
  }
  if (name === 'keys') loadKeys();
}

$('show-inspect').addEventListener('click', () => showView('inspect'));
$('show-keys').addEventListener('click', () => showView('keys'));

// --- Why won't it play? ---------------------------------------------------------------------------

$('inspect-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = $('inspect-result');
  const pasted = $('inspect-input').value.trim();
  const origin = $('inspect-origin').value.trim();
  const publicKeyPem = $('inspect-public-key').value.trim();
  if (!pasted) {
    show(result, problemBox(new ApiProblem('Paste a token or a playback URL first.', 'EMPTY')));
    $('inspect-input').focus();
    return;
  }
  const body = /^[a-z][a-z0-9+.-]*:\/\//i.test(pasted) ? { url: pasted } : { token: pasted };
  if (origin) body.origin = origin;
  if (publicKeyPem) body.publicKeyPem = publicKeyPem;
  const button = $('inspect-submit');
  button.disabled = true;
  show(result, el('p', { class: 'help' }, 'Inspecting…'));
  try {
    renderInspection(result, await api('POST', '/v1/playback-tokens/inspect', body));
  } catch (error) {
    show(result, problemBox(error));
  } finally {
    button.disabled = false;
  }
});

function renderInspection(container, inspection) {
  const heading = el('h3', { id: 'verdict-title', tabindex: '-1' }, VERDICT_TITLES[inspection.verdict]);
  const parts = [
    el(
      'div',
      { class: `verdict verdict-${inspection.verdict}`, 'data-verdict': inspection.verdict },
      heading,
      // The heading says the verdict; the summary's own first words would say it again.
      el('p', {}, reasonOf(inspection.summary)),
    ),
  ];
  if (inspection.findings.length > 0) {
    parts.push(
      el('h4', {}, 'Findings'),
      el(
        'ul',
        { class: 'findings' },
        inspection.findings.map((item) =>
          el(
            'li',
            { class: `finding finding-${item.severity}`, 'data-code': item.code },
            el('span', { class: 'severity' }, item.severity),
            el('code', {}, item.code),
            el('p', {}, item.message),
          ),
        ),
      ),
    );
  }
  if (inspection.token) parts.push(claimsTable(inspection.token));
  parts.push(keyTable(inspection.key));
  if (inspection.channel) parts.push(channelTable(inspection.channel));
  show(container, ...parts);
  heading.focus();
}

/** "Will not play: exp is …" → "exp is …" (claim names keep their case); "Plays." → "Nothing stops it." */
function reasonOf(summary) {
  return summary.replace(/^(?:Will not play|Cannot tell|Plays)[:.,]?\s*/, '') || 'Nothing stops it.';
}

function rows(caption, entries) {
  return el(
    'table',
    {},
    el('caption', {}, caption),
    el(
      'tbody',
      {},
      entries
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => el('tr', {}, el('th', { scope: 'row' }, name), el('td', {}, value))),
    ),
  );
}

function claimsTable(token) {
  const claimRows = Object.entries(token.claims).map(([name, value]) => [
    name,
    el('code', {}, JSON.stringify(value)),
  ]);
  const expiry = token.expiry;
  return el(
    'div',
    {},
    rows('Claims', [
      ...claimRows,
      ['expires', expiry ? `${expiry.at ?? 'not a time'} (${expiry.relative})` : undefined],
      ['header', el('code', {}, JSON.stringify(token.header))],
      ['signature', `${token.signature.form} (${token.signature.bytes} bytes)`],
    ]),
  );
}

const KEY_STATUS = {
  ours: 'a key of this service',
  supplied: 'the public key given',
  unknown: 'unknown: no key this service holds or held verifies it',
  'not-checked': 'not checked (the signature cannot be checked)',
};

function keyTable(key) {
  const regionText = key.regions
    .map((entry) => `${entry.region ?? 'offline registry'}: ${entry.holds}`)
    .join(', ');
  return rows('Signing key', [
    ['signed by', KEY_STATUS[key.status] ?? key.status],
    ['key id', key.keyId],
    ['state', key.state],
    ['drain ends', key.drainEndsAt],
    ['retired', key.retiredAt],
    ['IVS holds it', regionText || undefined],
  ]);
}

function channelTable(channel) {
  return rows('Channel', [
    ['ARN', el('code', {}, channel.arn)],
    ['status', channel.status],
    ['region', `${channel.region}${channel.regionServed === false ? ' (not served by this service)' : ''}`],
    ['playback URL', channel.playbackUrl ? el('code', {}, channel.playbackUrl) : undefined],
  ]);
}

// --- Keys and regions -----------------------------------------------------------------------------

let countdownTimer;

async function loadKeys() {
  const result = $('keys-result');
  show(result, el('p', { class: 'help' }, 'Loading the keys…'));
  try {
    renderKeys(result, await api('GET', '/v1/playback-keys'));
  } catch (error) {
    show(result, problemBox(error));
  }
}

$('keys-refresh').addEventListener('click', loadKeys);

function renderKeys(container, listing) {
  const keyRows = listing.keys.map((key) => {
    const countdown = el('span', { 'data-drain-ends': key.drainEndsAt ?? '' });
    return el(
      'tr',
      { 'data-key-id': key.keyId },
      el('th', { scope: 'row' }, el('code', {}, key.keyId)),
      el('td', { class: `state-${key.state}` }, key.state),
      el('td', {}, key.activatedAt ?? '—'),
      el(
        'td',
        {},
        key.drainEndsAt
          ? [key.drainEndsAt, ' ', countdown]
          : key.retiredAt
            ? `retired ${key.retiredAt}`
            : '—',
      ),
      (key.regions ?? []).map((entry) => el('td', {}, entry.published ? 'held' : 'not held')),
      el('td', {}, key.drift ?? ''),
    );
  });
  const table = el(
    'table',
    {},
    el('caption', {}, `Signing keys (${listing.registry} registry)`),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col' }, 'key'),
        el('th', { scope: 'col' }, 'state'),
        el('th', { scope: 'col' }, 'current since'),
        el('th', { scope: 'col' }, 'drain ends'),
        listing.regions.map((region) =>
          el('th', { scope: 'col' }, region.region ? `IVS ${region.region}` : 'published'),
        ),
        el('th', { scope: 'col' }, 'drift'),
      ),
    ),
    el('tbody', {}, keyRows),
  );
  const slots = el(
    'table',
    {},
    el('caption', {}, `Key pair slots per region (IVS allows ${listing.slotLimit})`),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ['region', 'ours', 'foreign', 'free'].map((name) => el('th', { scope: 'col' }, name)),
      ),
    ),
    el(
      'tbody',
      {},
      listing.regions.map((region) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, region.region ?? 'offline registry'),
          el('td', {}, region.ours),
          el('td', {}, region.foreign),
          el('td', {}, region.free),
        ),
      ),
    ),
  );
  show(container, table, slots);
  tickCountdowns();
  clearInterval(countdownTimer);
  countdownTimer = setInterval(tickCountdowns, 1000);
}

/** "(drains in 12 min 5 s)", "(drained)": the time left before a previous key may be deleted. */
function tickCountdowns() {
  for (const span of document.querySelectorAll('[data-drain-ends]')) {
    const ends = Date.parse(span.getAttribute('data-drain-ends') ?? '');
    if (Number.isNaN(ends)) continue;
    const seconds = Math.round((ends - Date.now()) / 1000);
    span.textContent = seconds > 0 ? `(drains in ${duration(seconds)})` : '(drained: the janitor deletes it)';
  }
}

function duration(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return [hours ? `${hours} h` : '', minutes ? `${minutes} min` : '', `${rest} s`].filter(Boolean).join(' ');
}

// --- Rotation, behind a confirmation --------------------------------------------------------------

$('rotate-open').addEventListener('click', () => {
  const emergency = $('rotate-emergency').checked;
  $('rotate-dialog-text').textContent = emergency
    ? 'Emergency rotation: the previous and the current key are deleted from IVS at once, and every token they signed stops playing. Viewers need new tokens. Do this only for a compromised key.'
    : 'A new key is created and published in every served region, then signs new tokens. The current key becomes previous and keeps verifying its tokens until its drain ends.';
  $('rotate-confirm').textContent = emergency ? 'Delete both keys and rotate' : 'Rotate now';
  $('rotate-dialog').showModal();
  $('rotate-cancel').focus();
});

$('rotate-cancel').addEventListener('click', () => $('rotate-dialog').close());

$('rotate-confirm').addEventListener('click', async () => {
  const emergency = $('rotate-emergency').checked;
  $('rotate-dialog').close();
  const result = $('rotate-result');
  show(result, el('p', { class: 'help' }, 'Rotating…'));
  try {
    const rotation = await api('POST', '/v1/playback-keys/rotate', { emergency });
    show(
      result,
      el('p', { role: 'status' }, `Rotated: ${rotation.currentKeyId} is current now.`),
      el(
        'ul',
        {},
        rotation.steps.map((step) => el('li', {}, step)),
      ),
    );
    await loadKeys();
  } catch (error) {
    show(result, problemBox(error));
  }
});

sayKeyStatus();
