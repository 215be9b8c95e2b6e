// The dashboard's Line control card (admin only): pin the served version (roll back) or serve the newest,
// pause or resume training, and how many versions stay on the trainer's disk (PUT /api/lines/{line}/control).
import {api, listOf, el, showState, describe} from './api.js';
import {rater} from './rater.js';

const $ = (id) => document.getElementById(id);
let wired = false;
let line = 'live';

export async function show() {
  if (!rater.isAdmin()) return;
  if (!wired) {
    wired = true;
    $('line-control-form').addEventListener('submit', save);
  }
  try {
    const models = listOf(await api.get('/api/models'), 'versions', 'models');
    if (models.length) line = models[0].line;   // the live line's first version comes first
    render(await api.get('/api/lines/' + encodeURIComponent(line) + '/control'), models.filter((m) => m.line === line));
  } catch (e) {
    const {title, detail} = describe(e);
    showState($('line-control-state'), 'error', title, detail);
  }
}

function render(control, versions) {
  const pin = $('line-pin');
  pin.replaceChildren(el('option', {value: '', text: 'the newest version'}),
      ...versions.map((v) => el('option', {value: v.version, text: 'v' + v.version + ' (' + v.algorithm + ')'})));
  pin.value = control.pinnedVersion ?? '';
  $('line-paused').checked = control.paused;
  $('line-kept').value = control.versionsKept ?? '';
  $('line-control-now').textContent = 'Line ' + control.line + ': '
      + (control.pinnedVersion ? 'serving v' + control.pinnedVersion + ' (pinned)' : 'serving the newest version')
      + ' · training ' + (control.paused ? 'paused' : 'running')
      + ' · ' + (control.versionsKept ? 'keeping the newest ' + control.versionsKept + ' versions, the first and the pinned one' : 'keeping every version');
}

async function save(event) {
  event.preventDefault();
  const kept = $('line-kept').value.trim();
  const body = {pinnedVersion: $('line-pin').value || null, paused: $('line-paused').checked, versionsKept: kept ? Number(kept) : null};
  try {
    await api.put('/api/lines/' + encodeURIComponent(line) + '/control', body);
    showState($('line-control-state'), 'ok', 'Saved: every inference and trainer instance follows it.', '');
    await show();
  } catch (e) {
    const {title, detail} = describe(e);
    showState($('line-control-state'), 'error', title, detail);
  }
}
