// The naming rule of chat-relay: which user ids, guest names and room names are valid.
//
// The rule is data, not code: `client/web/names.json` holds three regular expressions (`user`,
// `guest`, `room`), and the server reads the same file (core/pom.xml copies it next to
// io.chatrelay.chat.protocol.Names). The SDK does not import the file itself, because where it
// lives depends on how the SDK is served; the caller loads it and hands it over:
//
//   browser:  const names = await loadNames('/names.json');       // served beside the page
//   node:     const names = compileNames(JSON.parse(readFileSync('web/names.json', 'utf8')));
//
// The patterns keep to character classes and counts, so Java and JavaScript read them alike.

const KINDS = ['user', 'guest', 'room'];

/**
 * Compiles the rule.
 * @param {{user: string, guest: string, room: string}} rules the content of names.json
 * @returns {Names}
 * @throws {TypeError} when a pattern is missing or does not compile
 */
export function compileNames(rules) {
  if (!rules || typeof rules !== 'object') throw new TypeError('names: the rule must be an object');
  const patterns = {};
  for (const kind of KINDS) {
    const source = rules[kind];
    if (typeof source !== 'string' || source === '') throw new TypeError(`names: "${kind}" is missing`);
    // Java's Matcher.matches() is anchored at both ends and counts UTF-16 units; so is this.
    patterns[kind] = new RegExp('^(?:' + source + ')$');
  }
  return new Names(patterns, rules);
}

/**
 * Fetches names.json and compiles it.
 * @param {string | URL} url e.g. '/names.json'
 * @param {typeof fetch} [fetchFn]
 * @returns {Promise<Names>}
 */
export async function loadNames(url, fetchFn = globalThis.fetch) {
  const res = await fetchFn(url, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`names: ${url} answered ${res.status}`);
  return compileNames(await res.json());
}

/** A compiled naming rule. */
export class Names {
  constructor(patterns, rules) {
    this._patterns = patterns;
    /** The patterns as written in names.json (for messages that quote them). */
    this.sources = { user: rules.user, guest: rules.guest, room: rules.room };
  }

  /** Whether `s` is a valid user id (a token subject, a direct-message peer). */
  isUser(s) { return this._test('user', s); }

  /** Whether `s` is a valid guest name (the name chosen at login). */
  isGuest(s) { return this._test('guest', s); }

  /** Whether `s` is a valid room name. */
  isRoom(s) { return this._test('room', s); }

  _test(kind, s) {
    return typeof s === 'string' && this._patterns[kind].test(s);
  }
}
