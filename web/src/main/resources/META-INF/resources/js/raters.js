// The dashboard's Raters card (admin only): invite a person by name, list raters, revoke or forget one.
import {api, listOf, el, fmt, showState, describe} from './api.js';
import {rater} from './rater.js';

const $ = (id) => document.getElementById(id);
let wired = false;

export async function show() {
  if (!rater.isAdmin()) return;
  if (!wired) {
    wired = true;
    $('invite-form').addEventListener('submit', invite);
  }
  try {
    render(listOf(await api.get('/api/raters'), 'raters'));
  } catch (e) {
    const {title, detail} = describe(e);
    showState($('invite-state'), 'error', title, detail);
  }
}

async function invite(event) {
  event.preventDefault();
  const name = $('invite-name').value.trim();
  if (!name) return;
  try {
    const created = await api.post('/api/raters', {name});
    const link = location.origin + created.invitePath;
    showState($('invite-state'), 'ok', 'Invite link for ' + created.name + ' (shown once):', link);
    $('invite-name').value = '';
    await show();
  } catch (e) {
    const {title, detail} = describe(e);
    showState($('invite-state'), 'error', title, detail);
  }
}

function action(text, call, question) {
  const button = el('button', {class: 'btn btn-small', type: 'button', text});
  button.addEventListener('click', async () => {
    if (question && !confirm(question)) return;
    try {
      await call();
      await show();
    } catch (e) {
      const {title, detail} = describe(e);
      showState($('invite-state'), 'error', title, detail);
    }
  });
  return button;
}

function render(raters) {
  $('raters-table').querySelector('tbody').replaceChildren(...raters.map((r) => {
    const path = '/api/raters/' + encodeURIComponent(r.raterId);
    const revoke = action('Revoke', () => api.delete(path));
    // Forgetting takes the rater's votes, past ones included, out of every statistic, export and later version.
    const forget = action('Forget', () => api.post(path + '/forget'),
        'Forget ' + r.raterId + '? Its votes stop counting everywhere, past ones included; this cannot be undone.');
    return el('tr', {},
        el('td', {text: r.raterId}), el('td', {text: r.name || (r.invited ? '' : 'anonymous')}),
        el('td', {text: fmt.time(r.createdAt)}),
        el('td', {text: r.forgottenAt ? 'forgotten' : r.revokedAt ? 'revoked' : 'active'}),
        el('td', {}, r.revokedAt ? null : revoke, r.forgottenAt ? null : forget));
  }));
}
