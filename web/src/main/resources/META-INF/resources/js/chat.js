// Chat: talk to one served version (the latest unless another is picked), answers streamed; a
// conversation can be sent to rating, where two anonymous versions answer its last message.
import {api, postStream, el, showState, describe, listOf} from './api.js';
import {rater} from './rater.js';
import * as rate from './rate.js';

const $ = (id) => document.getElementById(id);
// The most recent turns sent with each message: the model's context holds far fewer, and the gateway caps bodies (64 KB).
const SENT_TURNS = 20;

let wired = false;
let turns = [];        // [{prompt, answer, version}], oldest first
let sending = false;

export function enter() {
  if (!wired) wire();
  loadVersions();
  $('chat-input').focus();
}

export function leave() {}

function wire() {
  wired = true;
  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('chat-input').value.trim();
    if (text) send(text);
  });
  $('chat-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('chat-form').requestSubmit(); }
  });
  $('chat-new').addEventListener('click', () => {
    if (sending) return;
    turns = [];
    $('chat-thread').replaceChildren();
    note(0);
    showState($('chat-state'), null);
    update();
  });
  $('chat-rate').addEventListener('click', sendToRating);
}

async function loadVersions() {
  const select = $('chat-version');
  try {
    const served = await api.get('/api/chat/versions');
    const picked = select.value;
    const options = [el('option', {value: '', text: 'latest (' + rate.versionLabel(served.latest) + ')'})];
    for (const v of listOf(served, 'versions')) options.push(el('option', {value: v, text: rate.versionLabel(v)}));
    select.replaceChildren(...options);
    select.value = listOf(served, 'versions').includes(picked) ? picked : '';
  } catch (err) {
    const {title, detail} = describe(err);
    showState($('chat-state'), err.code === 'no_model' ? 'warn' : 'error', title, detail);
  }
}

async function send(prompt) {
  if (sending) return;
  sending = true;
  update();
  showState($('chat-state'), null);
  const version = $('chat-version').value || null;
  const bubble = addTurn(prompt);
  const text = bubble.querySelector('.chat-text');
  let answer = '';
  let answeredBy = null;
  let dropped = 0;
  let finished = false;
  try {
    await rater.ensure();
    const body = {prompt, history: turns.slice(-SENT_TURNS).map((t) => ({prompt: t.prompt, answer: t.answer}))};
    if (version) body.version = version;
    await postStream('/api/chat', body, {
      start: (d) => {
        answeredBy = d.version;
        dropped = (d.droppedTurns || 0) + Math.max(0, turns.length - SENT_TURNS);
        bubble.querySelector('.chat-who').textContent = rate.versionLabel(d.version);
      },
      token: (d) => { answer += d.text ?? ''; text.append(document.createTextNode(d.text ?? '')); },
      done: (d) => { answer = d.text ?? answer; text.textContent = answer; finished = true; },
      error: (d) => { throw new Error((d && d.reason) || 'the inference service reported an error'); },
    });
    if (!finished) throw new Error('the answer stream ended before the answer was complete');
    turns.push({prompt, answer, version: answeredBy});
    bubble.classList.remove('streaming');
    bubble.classList.toggle('empty', answer.trim() === '');
    note(dropped);
  } catch (err) {
    bubble.remove();
    const {title, detail} = describe(err);
    showState($('chat-state'), err.code === 'no_model' ? 'warn' : 'error', err.code ? title : 'Generation failed',
        err.code ? detail : String(err.message || err));
    $('chat-input').value = prompt;
  } finally {
    sending = false;
    update();
  }
}

/** The user's message and the answer's place in the thread; returns the answer's element. */
function addTurn(prompt) {
  const answer = el('div', {class: 'chat-bubble chat-model streaming'},
      el('span', {class: 'chat-who', text: '…'}), el('div', {class: 'chat-text'}));
  $('chat-thread').append(el('li', {class: 'chat-turn'},
      el('div', {class: 'chat-bubble chat-user'}, el('div', {class: 'chat-text', text: prompt})), answer));
  $('chat-input').value = '';
  answer.scrollIntoView({block: 'nearest'});
  return answer;
}

function note(dropped) {
  const box = $('chat-note');
  box.hidden = dropped === 0;
  box.textContent = dropped === 0 ? '' : 'The conversation is longer than the model\'s context: the last answer was written without the oldest '
      + (dropped === 1 ? 'turn' : dropped + ' turns') + '.';
}

function update() {
  $('chat-send').disabled = sending;
  $('chat-rate').disabled = sending || turns.length === 0;
  $('page-chat').dataset.turns = String(turns.length);
  $('page-chat').dataset.sending = String(sending);
}

/** The conversation becomes a comparison: its last message answered by two anonymous versions, the turns before as shared history. */
async function sendToRating() {
  if (sending || turns.length === 0) return;
  sending = true;
  update();
  const last = turns[turns.length - 1];
  try {
    await rater.ensure();
    const history = turns.slice(Math.max(0, turns.length - 1 - SENT_TURNS), -1).map((t) => ({prompt: t.prompt, answer: t.answer}));
    const created = await api.post('/api/comparisons', {prompt: last.prompt, history});
    rate.showNext(created);
    location.hash = '#/rate';
  } catch (err) {
    const {title, detail} = describe(err);
    showState($('chat-state'), 'error', title, detail);
  } finally {
    sending = false;
    update();
  }
}
