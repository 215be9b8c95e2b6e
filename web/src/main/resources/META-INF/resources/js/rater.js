// The rater's identity and running vote count, kept in this browser's localStorage.
const ID_KEY = 'rlhf-loop.rater';
const COUNT_KEY = 'rlhf-loop.votes';

function id() {
  let value = localStorage.getItem(ID_KEY);
  if (!value) {
    value = 'rater-' + (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
    localStorage.setItem(ID_KEY, value);
  }
  return value;
}

export const rater = {
  id,
  votes: () => Number(localStorage.getItem(COUNT_KEY) || 0),
  countVote() {
    const n = this.votes() + 1;
    localStorage.setItem(COUNT_KEY, String(n));
    document.getElementById('my-votes').textContent = String(n);
    return n;
  },
};
