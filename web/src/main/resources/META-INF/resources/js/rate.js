// Rate: ask (or draw a prompt), watch two anonymous answers stream in, vote, see who wrote them.
// Each answer can also be rated alone, thumbs up or down (KTO's data), with or without a vote.
import {api, subscribe, el, showState, describe, listOf, isolate} from './api.js';
import {rater} from './rater.js';

const $ = (id) => document.getElementById(id);
const SLOTS = ['A', 'B'];
const KEYS = {'1': 'A', 'a': 'A', '2': 'B', 'b': 'B', '3': 'TIE', 't': 'TIE', '4': 'BOTH_BAD', 'x': 'BOTH_BAD'};
const CHOICE_TEXT = {A: 'A is better', B: 'B is better', TIE: 'a tie', BOTH_BAD: 'both bad'};
const THUMB_TEXT = {UP: 'thumbs up', DOWN: 'thumbs down'};

let active = false;
let wired = false;
let cmp = null;      // {id, prompt, turn, previousId, history, done: {A, B}, voted, stream, poll}
let busy = false;    // a comparison request or a vote is in flight
let handedOver = null;  // a comparison started elsewhere (a chat sent to rating), shown on entering

export function enter() {
  active = true;
  if (!wired) wire();
  if (handedOver) {
    const created = handedOver;
    handedOver = null;
    stop();
    render(created, created.prompt);
  } else if (!cmp) {
    $('prompt-input').focus();
  }
}

/** Shows {@code created} (a POST /api/comparisons answer) the next time the page is entered. */
export function showNext(created) {
  handedOver = created;
}

export function leave() {
  active = false;
}

function wire() {
  wired = true;
  $('prompt-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('prompt-input').value.trim();
    if (text) ask(text);
  });
  $('prompt-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('prompt-form').requestSubmit(); }
  });
  $('from-pool').addEventListener('click', () => ask(null));
  $('skip').addEventListener('click', () => ask(null));
  $('regenerate').addEventListener('click', regenerate);
  $('followup-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('followup-input').value.trim();
    if (text && cmp) followUp(cmp.id, text);
  });
  $('followup-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('followup-form').requestSubmit(); }
  });
  for (const b of document.querySelectorAll('.btn-vote')) {
    b.addEventListener('click', () => vote(b.dataset.choice));
  }
  for (const b of document.querySelectorAll('.btn-thumb')) {
    b.addEventListener('click', () => rateAlone(b.closest('.answer').dataset.slot, b.dataset.thumb));
  }
  document.addEventListener('keydown', onKey);
}

function onKey(e) {
  if (!active || e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = (e.target && e.target.tagName) || '';
  if (tag === 'INPUT' || tag === 'TEXTAREA') {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  const key = e.key.toLowerCase();
  if (KEYS[key]) { e.preventDefault(); vote(KEYS[key]); }
  else if (key === 's' || key === 'n') { e.preventDefault(); ask(null); }
  else if (key === 'r' && cmp) { e.preventDefault(); regenerate(); }
}

/** The same prompt again: a new comparison, or for a follow-up a new turn after the same earlier ones. */
function regenerate() {
  if (!cmp) return;
  if (cmp.previousId) followUp(cmp.previousId, cmp.prompt);
  // a chat sent to rating: the same shared history again (both sides' answers in it are the chat's)
  else ask(cmp.prompt, cmp.history.map((t) => ({prompt: t.prompt, answer: t.a})));
}

/** Continues comparison {@code id} with the rater's follow-up: a new turn, which the next vote judges. */
async function followUp(id, prompt) {
  if (busy) return;
  busy = true;
  const state = $('rate-state');
  showState(state, 'info', 'Asking both for the next turn…');
  try {
    await rater.ensure();
    const created = await api.post('/api/comparisons/' + encodeURIComponent(id) + '/turns', {prompt});
    stop();
    showState(state, null);
    $('followup-input').value = '';
    render(created, prompt);
  } catch (err) {
    const {title, detail} = describe(err);
    showState(state, 'error', title, detail);
    state.dataset.code = err.code || '';
  } finally {
    busy = false;
  }
}

/** Starts a comparison: prompt null draws one from the service's pool; history, a conversation it continues. */
async function ask(prompt, history) {
  if (busy) return;
  busy = true;
  stop();
  const state = $('rate-state');
  showState(state, 'info', prompt ? 'Asking the model…' : 'Drawing a prompt from the pool…');
  try {
    await rater.ensure();   // a session first: its failure (feedback-service down) is the reason to show
    const body = prompt ? (history?.length ? {prompt, history} : {prompt}) : {};
    const mode = $('compare-mode').value;   // e.g. line-vs-line; empty: the service's own mode
    if (mode) body.mode = mode;
    const created = await api.post('/api/comparisons', body);
    showState(state, null);
    render(created, prompt);
  } catch (err) {
    const {title, detail} = describe(err);
    const hint = err.code === 'no_model' ? ' Watch the bootstrap on the Dashboard.' : '';
    showState(state, err.code === 'no_model' ? 'warn' : 'error', title, (detail || '') + hint);
    state.dataset.code = err.code || '';
  } finally {
    busy = false;
  }
}

function render(created, askedPrompt) {
  cmp = {id: created.id, prompt: created.prompt ?? askedPrompt ?? '', turn: created.turn || 1,
         previousId: created.previousId || null, history: listOf(created, 'history'), done: {A: false, B: false},
         text: {A: '', B: ''}, voted: false, stream: null, poll: null, thumbs: {A: null, B: null}, thumbsBusy: {A: false, B: false}};
  renderThread(cmp, listOf(created, 'answers'));
  $('comparison').hidden = false;
  $('intro').hidden = true;
  $('comparison').dataset.id = cmp.id;
  $('prompt-text').textContent = cmp.prompt;
  $('prompt-input').value = '';
  $('vote-reason').value = '';
  $('vote-result').hidden = true;
  for (const slot of SLOTS) {
    const card = $('answer-' + slot);
    card.classList.remove('chosen', 'rejected', 'done', 'empty');
    card.classList.add('streaming');
    card.querySelector('.answer-text').textContent = '';
    card.querySelector('.answer-status').textContent = 'streaming…';
    card.querySelector('.version-badge').hidden = true;
    card.querySelector('.thumbs-state').textContent = '';
    for (const b of card.querySelectorAll('.btn-thumb')) b.setAttribute('aria-pressed', 'false');
    setThumbs(card, false);
  }
  setVoting(false);
  document.activeElement?.blur?.();
  stream(cmp);
}

/** The earlier turns above the current prompt, and a note when a side's context left the oldest out. */
function renderThread(c, answers) {
  const thread = $('thread');
  thread.replaceChildren(...c.history.map((t, i) => el('li', {class: 'thread-turn'},
      el('div', {class: 'thread-prompt'}, el('span', {class: 'label', text: 'Turn ' + (i + 1)}), el('p', {text: t.prompt ?? ''})),
      el('div', {class: 'thread-answers'},
          el('div', {class: 'thread-answer'}, el('span', {class: 'label', text: 'A'}), el('p', {text: t.a ?? ''})),
          el('div', {class: 'thread-answer'}, el('span', {class: 'label', text: 'B'}), el('p', {text: t.b ?? ''}))))));
  thread.hidden = c.history.length === 0;
  $('prompt-label').textContent = c.turn > 1 ? 'Turn ' + c.turn : 'Prompt';
  $('comparison').dataset.turn = String(c.turn);
  const cut = answers.filter((a) => SLOTS.includes(a.slot) && a.droppedTurns > 0)
      .map((a) => a.slot + ' without its oldest ' + (a.droppedTurns === 1 ? 'turn' : a.droppedTurns + ' turns'));
  const note = $('context-note');
  note.hidden = cut.length === 0;
  note.textContent = cut.length ? 'The conversation is longer than the model\'s context: answered ' + cut.join(', ') + '.' : '';
}

function stream(c) {
  c.stream = subscribe('/api/comparisons/' + encodeURIComponent(c.id) + '/events', {
    token: (d) => { if (c === cmp && d && SLOTS.includes(d.slot)) append(d.slot, d.text ?? ''); },
    done: (d) => { if (c === cmp && d && SLOTS.includes(d.slot)) finish(d.slot, d.text); },
    error: (d) => {
      if (c !== cmp) return;
      c.stream?.close();
      showState($('rate-state'), 'error', 'Generation failed', (d && d.reason) || 'the inference service reported an error');
    },
  }, () => { if (c === cmp && !(c.done.A && c.done.B)) pollUntilDone(c); });
}

/** When the event stream is cut, finish from GET /api/comparisons/{id} (answers "so far" + done). */
function pollUntilDone(c, attempt = 0) {
  api.get('/api/comparisons/' + encodeURIComponent(c.id)).then((snapshot) => {
    if (c !== cmp) return;
    for (const a of listOf(snapshot, 'answers')) {
      if (!SLOTS.includes(a.slot) || c.done[a.slot]) continue;
      if (a.done) finish(a.slot, a.text ?? '');
      else if (typeof a.text === 'string' && a.text.length > c.text[a.slot].length) replace(a.slot, a.text);
    }
    if (!(c.done.A && c.done.B) && attempt < 120) c.poll = setTimeout(() => pollUntilDone(c, attempt + 1), 1000);
  }).catch((err) => {
    if (c !== cmp) return;
    const {title, detail} = describe(err);
    showState($('rate-state'), 'error', title, detail);
  });
}

function append(slot, text) {
  cmp.text[slot] += text;
  $('answer-' + slot).querySelector('.answer-text').append(document.createTextNode(text));
}

function replace(slot, text) {
  cmp.text[slot] = text;
  $('answer-' + slot).querySelector('.answer-text').textContent = text;
}

function finish(slot, fullText) {
  if (typeof fullText === 'string') replace(slot, fullText);
  cmp.done[slot] = true;
  const card = $('answer-' + slot);
  card.classList.remove('streaming');
  card.classList.add('done');
  // An empty answer is a real answer (the model ended at once): say so, and let the rater judge it.
  const empty = cmp.text[slot].trim() === '';
  card.classList.toggle('empty', empty);
  card.querySelector('.answer-status').textContent = empty ? 'done · empty answer' : 'done';
  setThumbs(card, !cmp.thumbs[slot]);   // an answer can be rated alone as soon as it is finished
  if (cmp.done.A && cmp.done.B) {
    cmp.stream?.close();
    setVoting(true);
  }
}

function setVoting(on) {
  for (const b of document.querySelectorAll('.btn-vote')) b.disabled = !on;
  // a follow-up continues both finished answers, voted on or not
  $('followup-send').disabled = !(cmp && cmp.done.A && cmp.done.B);
  $('comparison').dataset.ready = on ? 'true' : 'false';
}

async function vote(choice) {
  if (!cmp || cmp.voted || busy || !(cmp.done.A && cmp.done.B)) return;
  busy = true;
  const c = cmp;
  setVoting(false);
  const reason = $('vote-reason').value.trim();
  const body = {comparisonId: c.id, choice};   // the rater is the session's
  if (reason) body.reason = reason;
  try {
    await rater.ensure();
    const accepted = await api.post('/api/votes', body);
    c.voted = true;
    rater.countVote();
    showState($('rate-state'), null);
    mark(choice);
    await reveal(c, choice, accepted);
  } catch (err) {
    const {title, detail} = describe(err);
    const rejected = err.status >= 400 && err.status < 500;
    showState($('rate-state'), 'error', rejected ? 'Vote rejected' : title, detail);
    $('rate-state').dataset.code = rejected ? 'vote_rejected' : (err.code || '');
    setVoting(true);
  } finally {
    busy = false;
  }
}

function setThumbs(card, on) {
  for (const b of card.querySelectorAll('.btn-thumb')) b.disabled = !on;
}

/** A thumbs up or down on one finished answer: one per rater and answer (the service keeps the first). */
async function rateAlone(slot, thumb) {
  const c = cmp;
  if (!c || !SLOTS.includes(slot) || !c.done[slot] || c.thumbs[slot] || c.thumbsBusy[slot]) return;
  c.thumbsBusy[slot] = true;
  const card = $('answer-' + slot);
  setThumbs(card, false);
  try {
    await rater.ensure();
    const accepted = await api.post('/api/thumbs/' + encodeURIComponent(c.id) + '/' + slot, {thumb});
    if (c !== cmp) return;
    const kept = accepted.thumb === 'UP' || accepted.thumb === 'DOWN' ? accepted.thumb : thumb;
    c.thumbs[slot] = kept;
    for (const b of card.querySelectorAll('.btn-thumb')) b.setAttribute('aria-pressed', String(b.dataset.thumb === kept));
    card.querySelector('.thumbs-state').textContent = (accepted.duplicate ? 'Already rated: ' : 'Recorded: ') + THUMB_TEXT[kept];
  } catch (err) {
    if (c !== cmp) return;
    const {title, detail} = describe(err);
    card.querySelector('.thumbs-state').textContent = 'Not recorded';
    showState($('rate-state'), 'error', err.status >= 400 && err.status < 500 ? 'Thumbs rejected' : title, detail);
    setThumbs(card, true);
  } finally {
    c.thumbsBusy[slot] = false;
  }
}

function mark(choice) {
  for (const slot of SLOTS) {
    const card = $('answer-' + slot);
    card.classList.toggle('chosen', choice === slot);
    card.classList.toggle('rejected', (choice === 'A' || choice === 'B') && choice !== slot || choice === 'BOTH_BAD');
  }
}

/** Shows which versions answered: from the vote's answer, else from the comparison once revealed. */
async function reveal(c, choice, accepted) {
  let versions = versionsOf(accepted);
  for (let i = 0; !versions && i < 6 && c === cmp; i++) {
    try { versions = versionsOf(await api.get('/api/comparisons/' + encodeURIComponent(c.id))); } catch { /* keep trying */ }
    if (!versions) await new Promise((r) => setTimeout(r, 500));
  }
  if (c !== cmp) return;
  const result = $('vote-result');
  result.hidden = false;
  const parts = [el('span', {class: 'vote-thanks', text: 'Vote recorded: ' + CHOICE_TEXT[choice] + '.'})];
  if (versions) {
    for (const slot of SLOTS) {
      const badge = $('answer-' + slot).querySelector('.version-badge');
      badge.textContent = versionLabel(versions[slot]);
      badge.hidden = false;
    }
    parts.push(el('span', {text: ' A was written by '}), el('b', {text: versionLabel(versions.A)}),
               el('span', {text: ', B by '}), el('b', {text: versionLabel(versions.B)}), el('span', {text: '.'}));
  } else {
    parts.push(el('span', {class: 'muted', text: ' The versions are not revealed yet.'}));
  }
  const next = el('button', {class: 'btn btn-primary', id: 'next'}, 'Next prompt ', el('kbd', {text: 'N'}));
  next.addEventListener('click', () => ask(null));
  result.replaceChildren(el('div', {}, ...parts), next);
}

function versionsOf(data) {
  const answers = listOf(data, 'answers');
  const found = {};
  for (const a of answers) {
    const v = a.modelVersion ?? a.version ?? a.model;
    if (SLOTS.includes(a.slot) && v !== undefined && v !== null) found[a.slot] = v;
  }
  return found.A !== undefined && found.B !== undefined ? found : null;
}

export function versionLabel(v) {
  if (v && typeof v === 'object') v = v.version ?? v.id;
  const s = String(v);
  return /^\d+$/.test(s) ? 'v' + s : isolate(s);
}

/** A version with its line when that is not the live line: "rloo-replay:v3" for rloo-replay-3, "v3" for the live line's 3. */
export function lineVersionLabel(version, line, liveLine = 'live') {
  const s = String(version);
  if (!line || line === liveLine) return versionLabel(s);
  const number = s.startsWith(line + '-') ? s.slice(line.length + 1) : s;
  return isolate(line) + ':' + (/^\d+$/.test(number) ? 'v' + number : isolate(number));
}

function stop() {
  if (!cmp) return;
  cmp.stream?.close();
  clearTimeout(cmp.poll);
}
