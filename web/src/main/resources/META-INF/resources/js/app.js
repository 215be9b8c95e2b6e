// The shell: hash routing between the pages, the service-status pill, the vote counter.
import {api, el} from './api.js';
import {rater} from './rater.js';
import * as rate from './rate.js';
import * as chat from './chat.js';
import * as dashboard from './dashboard.js';
import * as replay from './replay.js';

const pages = {rate, chat, dashboard, replay};
let current = null;

function route() {
  const name = (location.hash.replace(/^#\/?/, '') || 'rate').split('?')[0];
  const page = pages[name] ? name : 'rate';
  if (page === current) return;
  if (current) pages[current].leave?.();
  current = page;
  for (const key of Object.keys(pages)) {
    document.getElementById('page-' + key).hidden = key !== page;
  }
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.dataset.page === page);
  }
  document.body.dataset.page = page;
  pages[page].enter();
}

/** One pill summarising /api/status: all up, which service is down, or the broker is down. */
async function refreshStatus() {
  const pill = document.getElementById('service-status');
  const banner = document.getElementById('banner');
  try {
    const status = await api.get('/api/status');
    const services = status.services || [];
    const down = services.filter((s) => !s.reachable).map((s) => s.name);
    const brokerDown = services.some((s) => (s.checks || []).some(
        (c) => /kafka/i.test(c.name || '') && c.status === 'DOWN'));
    // ./rlhf-loop up restarts what dies; say so rather than "down"
    const launcher = await api.get('/api/launcher').catch(() => ({components: []}));
    const restarting = (launcher.components || []).filter((c) => c.state === 'RESTARTING').map((c) => c.name);
    if (restarting.length) {
      setPill(pill, 'warn', 'restarting ' + restarting.join(', '));
      setBanner(banner, 'The launcher is restarting ' + restarting.join(', ') + '; this page updates by itself.');
    } else if (down.length === services.length && services.length) {
      setPill(pill, 'down', 'services down');
      setBanner(banner, 'No service is reachable yet: ' + down.join(', ') + '. Start the stack, this page updates by itself.');
    } else if (down.length) {
      setPill(pill, 'warn', down.join(', ') + ' down');
      setBanner(banner, down.join(', ') + (down.length > 1 ? ' are' : ' is') + ' not reachable.');
    } else if (brokerDown) {
      setPill(pill, 'down', 'Kafka broker down');
      setBanner(banner, 'The Kafka broker is down: votes cannot be recorded until it is back.');
    } else {
      setPill(pill, 'up', 'all services up');
      setBanner(banner, null);
    }
    document.body.dataset.services = restarting.length ? 'restarting' : down.length ? 'down' : (brokerDown ? 'broker-down' : 'up');
  } catch (e) {
    setPill(pill, 'down', 'web app unreachable');
    document.body.dataset.services = 'offline';
  }
}

function setPill(pill, kind, text) {
  pill.className = 'pill pill-' + kind;
  pill.replaceChildren(el('span', {class: 'dot'}), text);
}

function setBanner(banner, text) {
  banner.hidden = !text;
  banner.textContent = text || '';
}

document.getElementById('my-votes').textContent = String(rater.votes());
window.addEventListener('hashchange', route);
// The session first: the rate page's first vote and the admin-only parts depend on it.
rater.start().finally(route);
refreshStatus();
setInterval(refreshStatus, 5000);
