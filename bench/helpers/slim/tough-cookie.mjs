// The little of tough-cookie the transport uses (setCookie, store.getAllCookies, TTL, secure,
// cookieString): one session's cookies by name, with Max-Age/Expires. No public-suffix list.
class Cookie {
  constructor(key, value, expires, secure) {
    this.key = key;
    this.value = value;
    this.expires = expires; // ms since epoch, or Infinity
    this.secure = secure;
  }

  TTL(now = Date.now()) {
    return this.expires === Infinity ? Infinity : Math.max(0, this.expires - now);
  }

  cookieString() {
    return `${this.key}=${this.value}`;
  }
}

function parse(text, now) {
  const [pair, ...attrs] = String(text).split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  let expires = Infinity;
  let secure = false;
  let maxAge;
  for (const a of attrs) {
    const [k, ...rest] = a.split('=');
    const name = k.trim().toLowerCase();
    const v = rest.join('=').trim();
    if (name === 'secure') secure = true;
    else if (name === 'max-age' && /^-?\d+$/.test(v)) maxAge = Number(v);
    else if (name === 'expires') {
      const t = Date.parse(v);
      if (!Number.isNaN(t)) expires = t;
    }
  }
  if (maxAge !== undefined) expires = maxAge <= 0 ? 0 : now + maxAge * 1000;
  return new Cookie(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim(), expires, secure);
}

export class CookieJar {
  constructor() {
    const cookies = new Map();
    this.cookies = cookies;
    this.store = { getAllCookies: async () => [...cookies.values()] };
  }

  async setCookie(text) {
    const c = parse(text, Date.now());
    if (!c) return undefined;
    if (c.TTL() === 0) this.cookies.delete(c.key);
    else this.cookies.set(c.key, c);
    return c;
  }
}
