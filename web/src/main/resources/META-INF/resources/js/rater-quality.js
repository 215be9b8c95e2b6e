// Dashboard, "Rater quality": each rater's accuracy on gold comparisons, Cohen's kappa of raters shown the same comparison,
// and the reliability weight both give each rater's pairs in training.
import {el, fmt} from './api.js';

const $ = (id) => document.getElementById(id);
let drawn = null;

/** Renders stats.raterQuality (GET /api/stats) into the rater-quality card; absent from older services: the card says so. */
export function renderRaterQuality(stats) {
  const quality = stats?.raterQuality ?? {gold: [], agreement: {comparisons: 0, agreed: 0, kappa: null, pairs: []}, reliability: []};
  const key = JSON.stringify(quality);
  if (drawn === key || !$('gold-table')) return;
  drawn = key;

  const gold = quality.gold ?? [];
  const goldBody = $('gold-table').tBodies[0];
  goldBody.replaceChildren(...gold.map((g) => el('tr', {},
      el('td', {text: g.rater}),
      el('td', {class: 'num', text: fmt.int(g.votes)}),
      el('td', {class: 'num', text: fmt.int(g.correct)}),
      el('td', {class: 'num', text: fmt.pct(g.accuracy?.rate, 0)}),
      el('td', {class: 'num', text: `${fmt.pct(g.accuracy?.low, 0)} – ${fmt.pct(g.accuracy?.high, 0)}`}))));
  if (!gold.length) goldBody.replaceChildren(el('tr', {}, el('td', {colspan: '5', class: 'muted', text: 'No gold votes yet.'})));

  const agreement = quality.agreement ?? {pairs: []};
  const pairs = agreement.pairs ?? [];
  const agreeBody = $('agreement-table').tBodies[0];
  const row = (a, b, p, cls) => el('tr', {class: cls},
      el('td', {text: a}), el('td', {text: b}),
      el('td', {class: 'num', text: fmt.int(p.comparisons)}),
      el('td', {class: 'num', text: fmt.int(p.agreed)}),
      el('td', {class: 'num', text: fmt.num(p.kappa, 2)}));
  agreeBody.replaceChildren(...pairs.map((p) => row(p.raterA, p.raterB, p)));
  if (pairs.length) agreeBody.append(row('all raters', '', agreement, 'total'));
  else agreeBody.replaceChildren(el('tr', {}, el('td', {colspan: '5', class: 'muted', text: 'No comparison shown to two raters has both votes yet.'})));

  const reliability = quality.reliability ?? [];
  const reliabilityBody = $('reliability-table')?.tBodies[0];
  if (!reliabilityBody) return;
  reliabilityBody.replaceChildren(...reliability.map((r) => el('tr', {},
      el('td', {text: r.rater}),
      el('td', {class: 'num', text: fmt.int(r.checks)}),
      el('td', {class: 'num', text: fmt.int(r.passed)}),
      el('td', {class: 'num', text: fmt.pct(r.reliability, 0)}),
      el('td', {class: 'num', text: fmt.num(r.weight, 2)}))));
  if (!reliability.length) reliabilityBody.replaceChildren(el('tr', {}, el('td', {colspan: '5', class: 'muted', text: 'No checked votes yet: every rater weighs 1.'})));
}
