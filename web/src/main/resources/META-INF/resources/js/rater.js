// The rater's session, issued by the server (docs/security.md): the browser holds it as an HttpOnly
// cookie this script never sees; it only learns the rater id and whether the admin is logged in.
// The running vote count stays in this browser's localStorage.
import {api} from './api.js';

const COUNT_KEY = 'rlhf-loop.votes';
let current = null;
let failure = null;   // why the last attempt to open a session failed (an ApiError)

/**
 * Joins by an invite link (/?invite=CODE), else keeps the session this browser has, else opens an
 * anonymous one (local mode). In team mode without an invite there is no session: the rate page
 * then shows the server's reason.
 */
async function start() {
  const params = new URLSearchParams(location.search);
  const invite = params.get('invite');
  try {
    if (invite) {
      current = await api.post('/api/session', {invite});
      history.replaceState(null, '', location.pathname + location.hash);   // the code stays out of history and screenshots
    } else {
      try {
        current = await api.get('/api/session');
      } catch (e) {
        if (e.status !== 401) throw e;
        current = await api.post('/api/session', {});
      }
    }
    failure = null;
  } catch (e) {
    current = null;
    failure = e;
    console.warn('no rater session:', e.reason || e);
  }
  document.body.classList.toggle('is-admin', Boolean(current && current.admin));
  document.body.dataset.rater = (current && current.raterId) || '';
  return current;
}

/** The session, opened again if the first attempt failed (e.g. feedback-service was down); throws that attempt's error. */
async function ensure() {
  if (current && (current.raterId || current.admin)) return current;
  await start();
  if (!current) throw failure;
  return current;
}

export const rater = {
  start,
  ensure,
  id: () => current && current.raterId,
  isAdmin: () => Boolean(current && current.admin),
  votes: () => Number(localStorage.getItem(COUNT_KEY) || 0),
  countVote() {
    const n = this.votes() + 1;
    localStorage.setItem(COUNT_KEY, String(n));
    document.getElementById('my-votes').textContent = String(n);
    return n;
  },
};
