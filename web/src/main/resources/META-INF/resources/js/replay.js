// Replay: rebuild a new model line from the feedback log, and compare its versions with the live line.
import {api, listOf, el, fmt, showState, describe, isolate} from './api.js';
import {versionLabel} from './rate.js';
import {rater} from './rater.js';

const $ = (id) => document.getElementById(id);
let wired = false;
let timer = null;
const served = new Map();   // line -> served beside the live one (its control's "served")

export function enter() {
  if (!wired) wire();
  refresh();
  timer = setInterval(refresh, 3000);
}

export function leave() {
  clearInterval(timer);
}

function wire() {
  wired = true;
  const form = $('replay-form');
  form.addEventListener('change', showFields);
  form.addEventListener('submit', (e) => { e.preventDefault(); start(); });
  $('lines').addEventListener('click', (e) => {
    const button = e.target.closest('.serve-line');
    if (button) toggleServed(button.dataset.line);
  });
  showFields();
}

function mode() {
  return $('replay-form').querySelector('input[name=from]:checked').value;
}

function showFields() {
  for (const f of $('replay-form').querySelectorAll('[data-for]')) f.hidden = f.dataset.for !== mode();
}

/** The request body of POST /api/replays for the chosen form. */
function body() {
  const from = mode();
  const request = {from};
  const line = $('replay-line').value.trim();
  if (line) request.line = line;
  const algorithm = $('replay-algorithm').value;
  if (algorithm) request.algorithm = algorithm;
  const parent = $('replay-parent').value.trim().replace(/^v(\d+)$/, '$1');
  if (parent) request.parent = parent;
  if (from === 'TIMESTAMP') {
    const local = $('replay-timestamp').value;
    if (!local) throw new Error('Choose the timestamp to start from.');
    request.timestamp = new Date(local).toISOString();
  } else if (from === 'OFFSETS' && $('replay-partition-offsets').value.trim()) {
    Object.assign(request, partitionRanges($('replay-partition-offsets').value));
  } else if (from === 'OFFSETS') {
    const start = $('replay-from-offset').value;
    const end = $('replay-to-offset').value;
    if (start === '' || end === '') throw new Error('Give both offsets of the range.');
    if (Number(end) <= Number(start)) throw new Error('The end offset must be after the start offset.');
    request.fromOffset = Number(start);
    request.toOffset = Number(end);
  }
  return request;
}

/** "0:4-9,1:0-4,2:2-" → fromOffsets / toOffsets per partition (an open end reads to the log's end). */
function partitionRanges(text) {
  const fromOffsets = {};
  const toOffsets = {};
  for (const part of text.split(',')) {
    const m = part.trim().match(/^(\d+):(\d+)-(\d*)$/);
    if (!m) throw new Error(`Write each partition's range as P:START-END, e.g. 0:4-9,1:0-4 (not "${part.trim()}").`);
    if (m[1] in fromOffsets) throw new Error(`Partition ${m[1]} is named twice.`);
    fromOffsets[m[1]] = Number(m[2]);
    if (m[3] !== '') {
      if (Number(m[3]) < Number(m[2])) throw new Error(`Partition ${m[1]}: the end offset must not be before the start.`);
      toOffsets[m[1]] = Number(m[3]);
    }
  }
  return Object.keys(toOffsets).length ? {fromOffsets, toOffsets} : {fromOffsets};
}

async function start() {
  const state = $('replay-state');
  let request;
  try { request = body(); } catch (e) { showState(state, 'error', 'Check the form', e.message); return; }
  $('replay-start').disabled = true;
  showState(state, 'info', 'Starting the replay…');
  try {
    const started = await api.post('/api/replays', request);
    showState(state, 'ok', 'Replay started', 'Line ' + (started?.line ?? started?.id ?? '') + ' is being rebuilt from the log.');
    refresh();
  } catch (err) {
    const {title, detail} = describe(err);
    showState(state, 'error', err.code === 'trainer_busy' || err.status === 409 ? 'Trainer busy' : title, detail);
    state.dataset.code = err.code || '';
  } finally {
    $('replay-start').disabled = false;
  }
}

async function refresh() {
  const [replays, models] = await Promise.allSettled([api.get('/api/replays'), api.get('/api/models')]);
  if (replays.status === 'fulfilled') renderReplays(listOf(replays.value, 'replays'));
  else {
    const {title, detail} = describe(replays.reason);
    $('replays').replaceChildren(el('div', {class: 'state state-error'}, el('strong', {text: title}), el('span', {text: detail})));
  }
  if (models.status === 'fulfilled') {
    const list = listOf(models.value, 'versions', 'models');
    await readServed(list);
    renderLines(list);
  }
}

/** Whether each replayed line is served beside the live one, from its control. */
async function readServed(models) {
  const lines = [...new Set(models.map((m) => m.line ?? 'live'))].filter((l) => l !== 'live');
  await Promise.allSettled(lines.map(async (line) => {
    served.set(line, Boolean((await api.get('/api/lines/' + encodeURIComponent(line) + '/control')).served));
  }));
}

/** Serves {@code line} beside the live one (raters compare them in line-vs-line mode), or stops. */
async function toggleServed(line) {
  const state = $('lines-state');
  try {
    const path = '/api/lines/' + encodeURIComponent(line) + '/serve';
    const answer = served.get(line) ? await api.delete(path) : await api.post(path);
    served.set(line, Boolean(answer.served));
    showState(state, 'ok', answer.served ? `Line ${line} is served beside the live line.` : `Line ${line} is no longer served.`,
        answer.served ? 'On the Rate page, pick "the live line against a line served beside it".' : '');
    refresh();
  } catch (err) {
    const {title, detail} = describe(err);
    showState(state, 'error', title, detail);
  }
}

function renderReplays(replays) {
  if (!replays.length) { $('replays').replaceChildren(el('p', {class: 'muted', text: 'No replay yet.'})); return; }
  $('replays').replaceChildren(...replays.map((r) => {
    const total = Number(r.total ?? r.totalRecords ?? 0);
    const done = Number(r.consumed ?? r.processed ?? 0);
    const frac = total > 0 ? Math.min(1, done / total) : (String(r.state).toUpperCase() === 'DONE' ? 1 : 0);
    const state = String(r.state ?? 'RUNNING').toUpperCase();
    const from = (r.from === 'TIMESTAMP' ? 'from ' + fmt.time(r.timestamp)
        : r.from === 'OFFSETS' ? 'offsets ' + offsetsText(r) : 'from the beginning')
        + (r.parent ? ' · starts from ' + versionLabel(r.parent) : '');
    return el('div', {class: 'replay', 'data-state': state},
        el('div', {class: 'replay-head'},
            el('b', {text: r.line ?? r.id}),
            el('span', {class: 'chip chip-state-' + state.toLowerCase(), text: state.toLowerCase()}),
            r.algorithm ? el('span', {class: 'chip algo-' + String(r.algorithm).toLowerCase(), text: String(r.algorithm).toUpperCase()}) : null,
            el('span', {class: 'muted small', text: from})),
        el('div', {class: 'progress'}, el('div', {class: 'progress-bar', style: `width:${(100 * frac).toFixed(1)}%`})),
        el('div', {class: 'muted small', text: `${fmt.int(done)}${total ? ' of ' + fmt.int(total) : ''} records · `
            + plural(listOf(r.versions ?? []).length, 'version') + (r.error ? ' · ' + isolate(r.error) : '')}),
        comparisons(r));
  }));
}

function offsetsText(r) {
  if (r.fromOffsets) {
    return Object.entries(r.fromOffsets).map(([p, start]) => `${p}:${start}–${r.toOffsets?.[p] ?? 'end'}`).join(', ');
  }
  return `${r.fromOffset}–${r.toOffset ?? 'end'}`;
}

const VERDICTS = {
  IDENTICAL: (line) => 'identical to ' + line,
  DIFFERS: (line, reason) => `differ from ${line} (${reason})`,
  NOT_COMPARABLE: (line, reason) => `not comparable with ${line} (${reason})`,
  NEW: (line) => 'new: past the versions of ' + line,
};

/** One line per run of versions with the same outcome, e.g. "v2 … v25: identical to live" (as `llm replay` prints). */
function comparisons(r) {
  const runs = [];
  for (const c of listOf(r.comparisons ?? [])) {
    const label = c.rebuilds ? versionLabel(c.rebuilds) : isolate(c.version);
    const key = c.result + '|' + (c.reason ?? '');
    const last = runs[runs.length - 1];
    if (last && last.key === key) last.labels.push(label);
    else runs.push({key, result: c.result, reason: c.reason ?? '', labels: [label]});
  }
  if (!runs.length) return null;
  const line = r.follows ?? 'live';
  return el('ul', {class: 'replay-comparisons'}, ...runs.map((run) => {
    const span = run.labels.length === 1 ? run.labels[0]
        : run.labels.length === 2 ? run.labels.join(', ') : `${run.labels[0]} … ${run.labels[run.labels.length - 1]}`;
    const verdict = (VERDICTS[run.result] ?? VERDICTS.NEW)(isolate(line), isolate(run.reason));
    return el('li', {class: 'verdict-' + String(run.result).toLowerCase(), text: `${span}: ${verdict}`});
  }));
}

function renderLines(models) {
  const lines = new Map([['live', []]]);
  for (const m of models) {
    const line = m.line ?? 'live';
    if (!lines.has(line)) lines.set(line, []);
    lines.get(line).push(m);
  }
  $('lines').replaceChildren(...[...lines.entries()].map(([line, versions]) => el('div', {class: 'line'},
      el('h3', {}, el('span', {text: line}), el('span', {class: 'muted small', text: ' ' + plural(versions.length, 'version')}),
          served.get(line) ? el('span', {class: 'chip chip-served', text: 'served beside live'}) : null),
      line !== 'live' && versions.length && rater.isAdmin()
        ? el('button', {type: 'button', class: 'btn btn-small serve-line', 'data-line': line,
            text: served.get(line) ? 'Stop serving' : 'Serve beside live'})
        : null,
      el('ol', {class: 'line-versions'}, ...(versions.length ? versions.map((m) => el('li', {},
          el('b', {text: versionLabel(m.version)}),
          el('span', {class: 'chip algo-' + String(m.algorithm ?? '').toLowerCase(), text: String(m.algorithm ?? '?').toUpperCase()}),
          el('span', {class: 'muted small', text: fmt.int(m.votesTrainedOn ?? 0) + ' votes'})))
          : [el('li', {class: 'muted', text: 'none yet'})])))));
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
