// Talks to the one public URL. Every failure becomes an ApiError carrying the server's reason,
// so pages can show "vote rejected: <reason>" or "trainer-service is not reachable" verbatim.

export class ApiError extends Error {
  constructor(status, code, reason) {
    super(reason);
    this.status = status;  // HTTP status, 0 when the web app itself is unreachable
    this.code = code;      // the body's "error": bad_request, no_model, broker_unavailable, stores_loading, ...
    this.reason = reason;
  }
}

async function request(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {Accept: 'application/json'}
                                  : {Accept: 'application/json', 'Content-Type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'offline', 'The web app is not reachable (' + e.message + ')');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    // Every service and the gateway answer {"error": code, "reason": sentence} (docs/web-api.md);
    // other keys are only for bodies from elsewhere (a proxy, a framework's default page).
    const reason = (data && (data.reason || data.message || data.detail || data.title))
        || text.trim().slice(0, 300) || res.statusText || ('HTTP ' + res.status);
    const code = (data && typeof data.error === 'string') ? data.error : ('http_' + res.status);
    throw new ApiError(res.status, code, String(reason));
  }
  return data;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body ?? {}),
  delete: (path) => request('DELETE', path),
};

/** Lists come as a bare array or wrapped ({versions: [...]}, {items: [...]}, ...). */
export function listOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  if (!data) return [];
  for (const k of [...keys, 'items', 'data']) {
    if (Array.isArray(data[k])) return data[k];
  }
  return [];
}

/**
 * Opens a Server-Sent Events stream and dispatches named events as parsed JSON.
 * Returns {close()}. onDown(reason) is called when the stream cannot be (re)opened.
 */
export function subscribe(path, handlers, onDown) {
  const source = new EventSource(path);
  let opened = false;
  for (const [name, fn] of Object.entries(handlers)) {
    source.addEventListener(name, (e) => {
      let data;
      try { data = JSON.parse(e.data); } catch { data = e.data; }
      fn(data);
    });
  }
  source.onopen = () => { opened = true; };
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED || !opened) {
      source.close();
      if (onDown) onDown();
    }
  };
  return {close: () => source.close(), source};
}

/**
 * POSTs {@code body} and reads the answer as Server-Sent Events (EventSource only GETs): named events
 * go to {@code handlers} as parsed JSON. A refusal before the stream (4xx/5xx JSON) throws an ApiError.
 * Resolves when the stream ends.
 */
export async function postStream(path, body, handlers) {
  let res;
  try {
    res = await fetch(path, {method: 'POST', body: JSON.stringify(body),
      headers: {Accept: 'text/event-stream', 'Content-Type': 'application/json'}});
  } catch (e) {
    throw new ApiError(0, 'offline', 'The web app is not reachable (' + e.message + ')');
  }
  if (!res.ok) {
    const text = await res.text();
    let data = null;
    try { data = JSON.parse(text); } catch { data = null; }
    throw new ApiError(res.status, (data && typeof data.error === 'string') ? data.error : ('http_' + res.status),
        String((data && data.reason) || text.trim().slice(0, 300) || ('HTTP ' + res.status)));
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (!data.length || !handlers[name]) continue;
      let parsed;
      try { parsed = JSON.parse(data.join('\n')); } catch { parsed = data.join('\n'); }
      handlers[name](parsed);
    }
  }
}

/** Formats numbers for people: 0.634 → "63.4%", 1234 → "1,234". */
export const fmt = {
  pct: (x, digits = 1) => (x === null || x === undefined || Number.isNaN(x)) ? '–' : (100 * x).toFixed(digits) + '%',
  num: (x, digits = 3) => (x === null || x === undefined || Number.isNaN(Number(x))) ? '–' : Number(x).toFixed(digits),
  int: (x) => (x === null || x === undefined) ? '–' : Number(x).toLocaleString('en-US'),
  time: (iso) => {
    if (!iso) return '';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString('en-GB', {hour12: false});
  },
};

/** Creates an element with text content only: model output and prompts never become HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'style') node.style.cssText = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Shows a state box: kind is info | warn | error | ok. */
export function showState(box, kind, title, detail) {
  if (!kind) { box.hidden = true; box.replaceChildren(); return; }
  box.hidden = false;
  box.className = 'state state-' + kind;
  box.replaceChildren(el('strong', {text: title}), detail ? el('span', {text: detail}) : null);
}

/** Maps an ApiError to a headline a person understands. */
export function describe(err) {
  if (!(err instanceof ApiError)) return {title: 'Something went wrong', detail: String(err && err.message || err)};
  switch (err.code) {
    case 'offline': return {title: 'The web app is not reachable', detail: err.reason};
    case 'service_unavailable': return {title: 'Service down', detail: err.reason};
    case 'timeout': return {title: 'Service busy', detail: err.reason};
    case 'comparison_gone': return {title: 'Comparison lost', detail: err.reason};
    case 'no_model': return {title: 'No model yet', detail: err.reason};
    case 'broker_unavailable': return {title: 'Kafka broker down', detail: err.reason};
    case 'trainer_busy': return {title: 'Trainer busy', detail: err.reason};
    case 'stores_loading': return {title: 'Statistics loading', detail: err.reason};
    case 'unauthorized': return {title: 'Not signed in', detail: err.reason};
    case 'forbidden': return {title: 'Admin only', detail: err.reason};
    case 'rate_limited': return {title: 'Slow down', detail: err.reason};
    case 'overloaded': return {title: 'Busy', detail: err.reason};
    default:
      if (err.status >= 400 && err.status < 500) return {title: 'Rejected', detail: err.reason};
      return {title: 'Server error (' + err.status + ')', detail: err.reason};
  }
}
