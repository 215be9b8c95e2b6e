// Dashboard: is the model getting better? Versions, win rate vs. SFT, each policy update's metrics (DPO, RLOO, PPO, GRPO, KTO), votes, bootstrap.
import {api, subscribe, listOf, el, fmt, showState, describe, isolate} from './api.js';
import {chart, colors} from './charts.js';
import {versionLabel, lineVersionLabel} from './rate.js';
import * as raters from './raters.js';
import * as lineControl from './line-control.js';
import {renderRaterQuality} from './rater-quality.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 5000;

const data = {models: [], stats: null, training: null, losses: [], vpm: [], lastTotal: null};
const down = {trainer: null, feedback: null};   // reason strings when a service is unreachable
let charts = null;
let streams = [];
let pollTimer = null;

export function enter() {
  if (!charts) charts = makeCharts();
  refresh();
  raters.show();
  lineControl.show();
  connect();
  for (const c of Object.values(charts)) c.redraw();
}

export function leave() {
  streams.forEach((s) => s.close());
  streams = [];
  clearInterval(pollTimer);
  pollTimer = null;
}

/** Live updates over SSE; whichever stream cannot be opened is replaced by polling. */
function connect() {
  leave();
  let polling = false;
  const poll = () => {
    if (polling) return;
    polling = true;
    pollTimer = setInterval(refresh, POLL_MS);
  };
  streams.push(subscribe('/api/training/events', {
    progress: (p) => { onProgress(p); },
    version: (v) => { upsertModel(v); render(); },
    state: (s) => { data.training = {...(data.training || {}), ...s}; render(); },
  }, poll));
  streams.push(subscribe('/api/stats/events', {
    stats: (s) => { onStats(s); render(); },
  }, poll));
  // Counters that only change on votes are cheap to poll too, in case a stream is silent.
  if (!pollTimer) pollTimer = setInterval(refresh, POLL_MS * 2);
}

async function refresh() {
  const [models, stats, training] = await Promise.allSettled([
    api.get('/api/models'), api.get('/api/stats'), api.get('/api/training')]);
  if (models.status === 'fulfilled') { data.models = listOf(models.value, 'versions', 'models'); down.trainer = null; }
  else down.trainer = models.reason;
  if (training.status === 'fulfilled' && training.value) {
    data.training = training.value;
    const history = listOf(training.value.losses ?? training.value.history ?? []);
    if (history.length) data.losses = history.map(normaliseLoss).filter(Boolean);
  }
  if (stats.status === 'fulfilled') { onStats(stats.value); down.feedback = null; }
  else down.feedback = stats.reason;
  render();
}

function onStats(s) {
  if (!s) return;
  data.stats = s;
  const now = Date.now() / 1000;
  // feedback-service sends votesPerMinute as a series of {minute, votes}; older forms send a number.
  const series = listOf(s.votesPerMinuteSeries ?? s.perMinute ?? (Array.isArray(s.votesPerMinute) ? s.votesPerMinute : []));
  if (series.length) {
    // The service lists only minutes that had votes: fill the quiet ones with zeros (at least the
    // last ten minutes), so the line drops to zero and a single busy minute still has a time axis.
    const counts = new Map();
    for (const p of series) {
      const minute = Math.floor(toSeconds(p.minute ?? p.time ?? p.t) / 60);
      counts.set(minute, (counts.get(minute) ?? 0) + Number(p.count ?? p.votes ?? 0));
    }
    const last = Math.max(Math.floor(now / 60), ...counts.keys());
    const first = Math.min(last - 10, ...counts.keys());
    data.vpm = [];
    for (let m = first; m <= last; m++) data.vpm.push([m * 60, counts.get(m) ?? 0]);
  } else if (typeof s.votesPerMinute === 'number') {
    data.vpm.push([now, s.votesPerMinute]);
  } else if (typeof s.totalVotes === 'number') {
    const prev = data.lastTotal;
    if (prev && now - prev.t > 1) data.vpm.push([now, (s.totalVotes - prev.n) * 60 / (now - prev.t)]);
    if (!prev || now - prev.t > 1) data.lastTotal = {t: now, n: s.totalVotes};
  }
  if (data.vpm.length > 240) data.vpm = data.vpm.slice(-240);
}

function onProgress(p) {
  data.training = {...(data.training || {}), ...p, state: p.state ?? data.training?.state};
  const point = normaliseLoss(p);
  if (point) data.losses.push(point);
  render();
}

function normaliseLoss(p) {
  if (!p || p.loss === undefined || p.loss === null) return null;
  return {phase: String(p.phase || 'train').toUpperCase(), step: Number(p.step ?? 0), loss: Number(p.loss)};
}

function upsertModel(v) {
  if (!v) return;
  const key = String(v.version);
  const i = data.models.findIndex((m) => String(m.version) === key && (m.line ?? 'live') === (v.line ?? 'live'));
  if (i >= 0) data.models[i] = v; else data.models.push(v);
}

function toSeconds(t) {
  if (typeof t === 'number') return t > 1e11 ? t / 1000 : t;
  return new Date(t).getTime() / 1000;
}

const liveModels = () => data.models.filter((m) => (m.line ?? 'live') === 'live');
/** A version's algorithm as the trainer names it, upper-case ('' when it has none). */
const algorithmOf = (m) => String(m.algorithm ?? '').toUpperCase();
const metric = (m, ...names) => {
  for (const n of names) {
    const v = m.metrics?.[n] ?? m[n];
    if (v !== undefined && v !== null) return Number(v);
  }
  return null;
};

/** Rebuilds a part of the page only when its data changed (live updates arrive every second). */
const drawn = {};
function changed(part, value) {
  const key = JSON.stringify(value);
  if (drawn[part] === key) return false;
  drawn[part] = key;
  return true;
}

function render() {
  renderState();
  renderKpis();
  renderBootstrap();
  renderWinRate();
  renderLeaderboard();
  renderRaterQuality(data.stats);
  renderDpo();
  renderVpm();
  renderTimeline();
}

function renderState() {
  const box = $('dash-state');
  const reasons = [down.trainer, down.feedback].filter(Boolean);
  if (reasons.length) {
    const {title, detail} = describe(reasons[0]);
    const more = reasons.length > 1 ? ' · ' + isolate(describe(reasons[1]).detail) : '';
    showState(box, 'error', title, isolate(detail) + more + ' — the dashboard fills in by itself when it is back.');
    box.dataset.code = reasons[0].code || '';
  } else if (!data.models.length) {
    showState(box, 'warn', 'No model yet', 'The trainer is bootstrapping the first model; it appears here when published.');
    box.dataset.code = 'no_model';
  } else {
    showState(box, null);
    box.dataset.code = '';
  }
}

function renderKpis() {
  const s = data.stats;
  const total = s ? totalVotes(s) : null;
  $('kpi-votes').textContent = total === null ? '–' : fmt.int(total);
  $('kpi-votes-detail').textContent = s?.totals
      ? `${fmt.int(s.totals.decisiveVotes ?? 0)} decisive · ${fmt.int(s.totals.raters ?? 0)} rater${s.totals.raters === 1 ? '' : 's'}` : '';
  const vpm = s && typeof s.votesPerMinute === 'number' ? s.votesPerMinute : recentRate();
  $('kpi-vpm').textContent = vpm === undefined ? '–' : fmt.num(vpm, 1);
  const live = liveModels();
  const serving = data.training?.servingVersion ?? live.at(-1)?.version;
  $('kpi-version').textContent = serving === undefined ? '–' : versionLabel(serving);
  const withRm = [...live].reverse().find((m) => metric(m, 'rewardAccuracy', 'rewardModelAccuracy') !== null);
  $('kpi-rm').textContent = withRm ? fmt.pct(metric(withRm, 'rewardAccuracy', 'rewardModelAccuracy')) : '–';
  // The trainer holds out every k-th pair of an update (rlhf.trainer.reward.hold-out-every), so small updates have none.
  $('kpi-rm-detail').textContent = withRm ? `on held-out pairs · ${versionLabel(withRm.version)}`
      : live.some((m) => algorithmOf(m) !== 'SFT') ? 'updates too small to hold pairs out' : '';
  const state = down.trainer ? 'down' : String(data.training?.state ?? '–').toLowerCase();
  $('kpi-trainer').textContent = state;
  $('kpi-trainer').dataset.state = state;
}

function renderBootstrap() {
  const t = data.training || {};
  const phase = String(t.phase || '').toUpperCase();
  const bootstrapping = String(t.state || '').toUpperCase() === 'BOOTSTRAPPING'
      || (!data.models.length && (phase === 'PRETRAIN' || phase === 'SFT'));
  $('bootstrap').hidden = !bootstrapping && !(data.losses.length && !data.models.length);
  if ($('bootstrap').hidden) return;
  const total = Number(t.totalSteps || 0);
  const step = Number(t.step || 0);
  const frac = total > 0 ? Math.min(1, step / total) : 0;
  $('bootstrap-phase').textContent = phase === 'SFT' ? 'Instruction fine-tuning' : phase === 'PRETRAIN' ? 'Pretraining' : (phase || 'starting');
  $('bootstrap-bar').style.width = (100 * frac).toFixed(1) + '%';
  $('bootstrap-text').textContent = (total ? `step ${fmt.int(step)} of ${fmt.int(total)} (${fmt.pct(frac, 0)})` : 'starting…')
      + (t.loss !== undefined ? ` · loss ${fmt.num(t.loss)}` : '') + (t.message ? ' · ' + t.message : '');
  // What the first model is and why: the core-count rule's choice, or the user's base model.
  $('bootstrap-plan').textContent = t.firstModel ? 'First model: ' + t.firstModel : '';
  // One x axis across both phases: SFT's steps continue where pretraining stopped.
  let offset = 0;
  let previous = -1;
  const steps = data.losses.map((p) => {
    if (p.step + offset < previous) offset = previous + 1;
    previous = p.step + offset;
    return previous;
  });
  const cols = ['PRETRAIN', 'SFT'].map((ph) => data.losses.map((p) => p.phase === ph ? p.loss : null));
  charts.bootstrap.update([steps, ...cols]);
}

/** Votes per minute over the last five minutes of the series (the current minute is still filling). */
function recentRate() {
  const recent = data.vpm.slice(-5);
  return recent.length ? recent.reduce((sum, p) => sum + p[1], 0) / recent.length : undefined;
}

/** All votes ever counted: the service's all-time total, not the per-minute series (that covers the last hour). */
function totalVotes(s) {
  if (typeof s.totals?.votes === 'number') return s.totals.votes;
  if (typeof s.totalVotes === 'number') return s.totalVotes;
  return null;
}

function statsByVersion() {
  const s = data.stats;
  return listOf(s, 'versions', 'perVersion').map((v) => ({
    version: v.version,
    votes: Number(v.votes ?? 0),
    winRate: v.winRate ?? v.winRateVsBaseline?.rate ?? null,
    low: v.winRateLow ?? v.winRateVsBaseline?.low ?? v.ci95?.[0] ?? v.interval?.[0] ?? null,
    high: v.winRateHigh ?? v.winRateVsBaseline?.high ?? v.ci95?.[1] ?? v.interval?.[1] ?? null,
    tieRate: v.tieRate ?? null,
  }));
}

function renderWinRate() {
  const rows = statsByVersion();
  if (!changed('winrate', rows)) return;
  const xs = rows.map((_, i) => i);
  charts.winrate.labels = rows.map((r) => versionLabel(r.version));
  charts.winrate.update([xs, rows.map((r) => r.winRate), rows.map((r) => r.high), rows.map((r) => r.low), rows.map(() => 0.5)]);
  const body = $('winrate-table').tBodies[0];
  body.replaceChildren(...rows.map((r) => el('tr', {},
      el('td', {text: versionLabel(r.version)}),
      el('td', {text: fmt.int(r.votes)}),
      el('td', {class: 'num', text: fmt.pct(r.winRate)}),
      el('td', {class: 'num', text: r.low === null ? '–' : `${fmt.pct(r.low)} – ${fmt.pct(r.high)}`}),
      el('td', {class: 'num', text: fmt.pct(r.tieRate)}))));
  if (!rows.length) body.replaceChildren(el('tr', {}, el('td', {colspan: '5', class: 'muted', text: 'No votes yet.'})));
}

function renderLeaderboard() {
  const rows = listOf(data.stats, 'leaderboard');
  renderLines(rows);
  if (!changed('leaderboard', rows)) return;
  charts.leaderboard.labels = rows.map((r) => lineVersionLabel(r.version, r.line));
  charts.leaderboard.update([rows.map((_, i) => i), rows.map((r) => r.rating), rows.map((r) => r.high), rows.map((r) => r.low),
    rows.map(() => 1000)]);
  const body = $('leaderboard-table').tBodies[0];
  body.replaceChildren(...rows.map((r, i) => el('tr', {},
      el('td', {class: 'num', text: String(i + 1)}),
      el('td', {text: lineVersionLabel(r.version, r.line)}),
      el('td', {class: 'num', text: fmt.num(r.rating, 0)}),
      el('td', {class: 'num', text: `${fmt.num(r.low, 0)} – ${fmt.num(r.high, 0)}`}),
      el('td', {class: 'num', text: fmt.int(r.games)}))));
  if (!rows.length) body.replaceChildren(el('tr', {}, el('td', {colspan: '5', class: 'muted', text: 'No votes between versions yet.'})));
}

/** Per model line: its best-rated version and its latest one (the line's newest on the registry), with their ratings. */
function renderLines(ratings) {
  const latest = new Map();   // line -> newest model
  for (const m of data.models) {
    const line = m.line ?? 'live';
    const now = latest.get(line);
    if (!now || String(m.created ?? '') >= String(now.created ?? '')) latest.set(line, m);
  }
  const byVersion = new Map(ratings.map((r) => [String(r.version), r]));
  const best = new Map();     // line -> best rating (the leaderboard is best first)
  for (const r of ratings) {
    const line = r.line ?? latestLineOf(r.version);
    if (line && !best.has(line)) best.set(line, r);
  }
  const lines = [...new Set([...best.keys(), ...latest.keys()])]
      .sort((a, b) => (a === 'live' ? -1 : b === 'live' ? 1 : a.localeCompare(b)));
  const rows = lines.map((line) => ({line, best: best.get(line) ?? null, latest: latest.get(line)?.version ?? null}));
  if (!changed('lines', [rows, ratings])) return;
  const interval = (r) => (r ? `${fmt.num(r.low, 0)} – ${fmt.num(r.high, 0)}` : '–');
  const body = $('lines-table').tBodies[0];
  body.replaceChildren(...rows.map((row) => {
    const latestRating = row.latest === null ? null : byVersion.get(String(row.latest)) ?? null;
    return el('tr', {'data-line': row.line},
        el('td', {text: row.line}),
        el('td', {text: row.best ? lineVersionLabel(row.best.version, row.line) : 'no votes yet'}),
        el('td', {class: 'num', text: row.best ? fmt.num(row.best.rating, 0) : '–'}),
        el('td', {class: 'num', text: interval(row.best)}),
        el('td', {text: row.latest === null ? '–' : lineVersionLabel(row.latest, row.line)}),
        el('td', {class: 'num', text: latestRating ? fmt.num(latestRating.rating, 0) : '–'}));
  }));
  if (!rows.length) body.replaceChildren(el('tr', {}, el('td', {colspan: '6', class: 'muted', text: 'No model line yet.'})));
}

/** The line of {@code version} from the registry (for a rating that does not name it). */
function latestLineOf(version) {
  const m = data.models.find((x) => String(x.version) === String(version));
  return m ? (m.line ?? 'live') : null;
}

/** The algorithms that sample answers and follow the reward model's mean score. */
const SAMPLING = new Set(['RLOO', 'PPO', 'GRPO']);

function renderDpo() {
  const trained = liveModels().filter((m) => metric(m, 'dpoLoss', 'loss') !== null || metric(m, 'ktoLoss') !== null
      || metric(m, 'kl') !== null);
  charts.dpo.labels = trained.map((m) => versionLabel(m.version));
  // DPO and KTO have a loss on held-out pairs (and DPO a margin, KTO liked − disliked); RLOO, PPO and GRPO a
  // mean reward of their samples; all but KTO a KL to the SFT model.
  const kto = (m) => {
    const liked = metric(m, 'desirableReward');
    const disliked = metric(m, 'undesirableReward');
    return liked !== null && disliked !== null ? liked - disliked : null;
  };
  charts.dpo.update([trained.map((_, i) => i),
    trained.map((m) => metric(m, 'dpoLoss', 'loss') ?? metric(m, 'ktoLoss')),
    trained.map((m) => metric(m, 'kl', 'klToReference')),
    trained.map((m) => metric(m, 'margin', 'rewardMargin')),
    trained.map((m) => SAMPLING.has(algorithmOf(m)) ? metric(m, 'reward') : null),
    trained.map(kto)]);
}

/** What a version's own algorithm measured, for its line in the timeline. */
function updateFacts(m) {
  const algo = algorithmOf(m);
  const facts = [];
  const add = (name, label, digits, format) => {
    const v = metric(m, name);
    if (v !== null) facts.push(label + ' ' + (format ? format(v) : fmt.num(v, digits)));
  };
  if (algo === 'KTO') {
    add('ktoLoss', 'KTO loss');
    add('desirableReward', 'liked', 2);
    add('undesirableReward', 'disliked', 2);
    add('ktoAccuracy', 'acc', 0, fmt.pct);
    add('thumbs', 'thumbs', 0);   // answers rated alone (rlhf.thumbs) among its ratings
    return facts;
  }
  add('dpoLoss', 'DPO loss');
  add('margin', 'margin', 2);
  if (SAMPLING.has(algo)) {
    add('reward', 'reward', 2);
    if (algo === 'GRPO') add('rewardStd', 'group σ', 2);
    add('kl', 'KL', 3);
    if (algo === 'PPO') add('valueLoss', 'value loss', 3);
    if (algo !== 'RLOO') add('clipFraction', 'clipped', 0, fmt.pct);
  }
  return facts;
}

function renderVpm() {
  charts.vpm.update([data.vpm.map((p) => p[0]), data.vpm.map((p) => p[1])]);
}

function renderTimeline() {
  if (!changed('timeline', data.models)) return;
  const models = [...data.models].sort((a, b) => String(a.created ?? '').localeCompare(String(b.created ?? '')));
  $('versions-count').textContent = models.length ? `${models.length} published` : '';
  const items = models.reverse().map((m) => {
    const algo = algorithmOf(m);
    const line = m.line ?? 'live';
    const facts = [];
    if (m.parent !== undefined && m.parent !== null) facts.push('from ' + versionLabel(m.parent));
    facts.push(fmt.int(m.votesTrainedOn ?? 0) + ' votes');
    const acc = metric(m, 'rewardAccuracy');
    if (acc !== null) facts.push('RM acc ' + fmt.pct(acc));
    facts.push(...updateFacts(m));
    return el('li', {class: 'timeline-item', 'data-version': String(m.version)},
        el('span', {class: 'timeline-dot algo-' + algo.toLowerCase()}),
        el('div', {class: 'timeline-body'},
            el('div', {class: 'timeline-title'},
                el('b', {text: versionLabel(m.version)}),
                el('span', {class: 'chip algo-' + algo.toLowerCase(), text: algo || '?'}),
                line !== 'live' ? el('span', {class: 'chip chip-line', text: line}) : null,
                el('span', {class: 'muted small', text: fmt.time(m.created)})),
            el('div', {class: 'muted small', text: facts.join(' · ')})));
  });
  $('timeline').replaceChildren(...(items.length ? items : [el('li', {class: 'muted', text: 'No version published yet.'})]));
}

function makeCharts() {
  const byIndex = (holder) => (u, splits) => splits.map((i) => Number.isInteger(i) ? (holder.labels?.[i] ?? '') : '');
  const winrate = {labels: []};
  const dpo = {labels: []};
  const leaderboard = {labels: []};
  Object.assign(winrate, chart($('chart-winrate'), {
    x: {label: 'version', values: byIndex(winrate), legend: (u, i) => winrate.labels[i] ?? ''},
    y: {label: 'win rate', range: [0, 1], values: (u, s) => s.map((v) => Math.round(v * 100) + '%')},
    series: [
      {label: 'win rate', stroke: colors.indigo, value: (u, v) => fmt.pct(v)},
      {label: '95% interval', stroke: 'rgba(79,70,229,0.25)', width: 1, points: {show: false}, value: (u, v) => fmt.pct(v)},
      {label: '95% low', stroke: 'rgba(79,70,229,0.25)', width: 1, points: {show: false}, legend: false},
      {label: 'parity with SFT (50%)', stroke: colors.slate, width: 1, dash: [4, 4], points: {show: false}},
    ],
    bands: [{series: [2, 3], fill: 'rgba(79,70,229,0.12)'}],
  }));
  Object.assign(leaderboard, chart($('chart-leaderboard'), {
    height: 170,
    x: {label: 'rank', values: byIndex(leaderboard), legend: (u, i) => leaderboard.labels[i] ?? ''},
    y: {label: 'rating', values: (u, s) => s.map((v) => Math.round(v))},
    series: [
      {label: 'rating', stroke: colors.indigo, value: (u, v) => fmt.num(v, 0)},
      {label: '95% interval', stroke: 'rgba(79,70,229,0.25)', width: 1, points: {show: false}, value: (u, v) => fmt.num(v, 0)},
      {label: '95% low', stroke: 'rgba(79,70,229,0.25)', width: 1, points: {show: false}, legend: false},
      {label: 'SFT (1000)', stroke: colors.slate, width: 1, dash: [4, 4], points: {show: false}},
    ],
    bands: [{series: [2, 3], fill: 'rgba(79,70,229,0.12)'}],
  }));
  Object.assign(dpo, chart($('chart-dpo'), {
    x: {label: 'version', values: byIndex(dpo), legend: (u, i) => dpo.labels[i] ?? ''},
    y: {label: 'loss · KL', fromZero: true},
    y2: {label: 'margin · reward', scale: 'margin'},
    series: [
      {label: 'DPO · KTO loss', stroke: colors.indigo, value: (u, v) => fmt.num(v)},
      {label: 'KL to SFT', stroke: colors.amber, value: (u, v) => fmt.num(v)},
      {label: 'DPO margin', stroke: colors.teal, scale: 'margin', value: (u, v) => fmt.num(v, 2)},
      {label: 'reward (RLOO · PPO · GRPO)', stroke: colors.rose, scale: 'margin', value: (u, v) => fmt.num(v, 2)},
      {label: 'KTO liked − disliked', stroke: colors.sky, scale: 'margin', value: (u, v) => fmt.num(v, 2)},
    ],
  }));
  const vpm = chart($('chart-vpm'), {
    height: 170,
    x: {label: 'time', time: true},
    y: {label: 'votes / min', fromZero: true},
    series: [{label: 'votes per minute', stroke: colors.teal, fill: 'rgba(13,148,136,0.08)', points: {show: false},
              value: (u, v) => fmt.num(v, 1)}],
  });
  const bootstrap = chart($('chart-bootstrap'), {
    height: 180,
    x: {label: 'step'},
    y: {label: 'loss'},
    series: [
      {label: 'pretraining loss', stroke: colors.indigo, points: {show: false}, value: (u, v) => fmt.num(v)},
      {label: 'SFT loss', stroke: colors.teal, points: {show: false}, value: (u, v) => fmt.num(v)},
    ],
  });
  return {winrate, leaderboard, dpo, vpm, bootstrap};
}
