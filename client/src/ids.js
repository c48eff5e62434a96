// Message ids: "<ms>-<seq>" (a Redis Stream id), unique and ordered per room or per pair of users.

const ID_RE = /^(\d+)-(\d+)$/;

/**
 * Splits a message id "<ms>-<seq>" into two integers.
 * @param {unknown} id
 * @returns {[number, number] | null} null when `id` is not a well-formed id
 */
export function parseId(id) {
  if (typeof id !== 'string') return null;
  const m = ID_RE.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * Compares two message ids numerically on both parts: negative, 0 or positive. Ids that are not
 * well-formed fall back to string order, so that sorting stays total.
 * @param {string} a
 * @param {string} b
 * @returns {number}
 */
export function compareIds(a, b) {
  const pa = parseId(a);
  const pb = parseId(b);
  if (!pa || !pb) return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  return pa[0] - pb[0] || pa[1] - pb[1];
}

/**
 * The time of a message: its `ts`, or else the millisecond part of its id.
 * @param {{ts?: number, id?: string}} m
 * @returns {number | null} epoch milliseconds, or null when neither is usable
 */
export function messageTime(m) {
  if (m && typeof m.ts === 'number' && Number.isFinite(m.ts)) return m.ts;
  const p = parseId(m && m.id);
  return p ? p[0] : null;
}
