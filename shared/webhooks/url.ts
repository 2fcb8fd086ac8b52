import { BlockList, isIP } from 'node:net';
import { ValidationError } from '../errors';

/**
 * Where webhooks may point. On AWS only public `https` endpoints. The local stack sets `allowLoopback` (through its
 * environment) so that receivers on the same machine work: `http` or `https` to 127.0.0.1 or localhost, with a port.
 * `loopbackOnly` keeps every delivery on this machine, whatever URL was registered: for a stack run where nothing else
 * may be reached, such as a test run that registers whatever URLs it likes.
 */
export interface UrlPolicy {
  allowLoopback: boolean;
  loopbackOnly?: boolean;
}

const H16 = '[0-9A-Fa-f]{1,4}';
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
const LS32 = `(?:${H16}:${H16}|${IPV4})`;
/** Up to `n + 1` groups before a `::`. */
const groupsBefore = (n: number) => `(?:(?:${H16}:){0,${n}}${H16})?`;
/** RFC 3986's IPv6address, written out: every form the URL parser reads, and no other. */
const IPV6 = [
  `(?:${H16}:){6}${LS32}`,
  `::(?:${H16}:){5}${LS32}`,
  `${groupsBefore(0)}::(?:${H16}:){4}${LS32}`,
  `${groupsBefore(1)}::(?:${H16}:){3}${LS32}`,
  `${groupsBefore(2)}::(?:${H16}:){2}${LS32}`,
  `${groupsBefore(3)}::${H16}:${LS32}`,
  `${groupsBefore(4)}::${LS32}`,
  `${groupsBefore(5)}::${H16}`,
  `${groupsBefore(6)}::`,
].join('|');
/**
 * A label of letters, digits and inner hyphens, 1 to 63 long, that does not start `xn--`: the URL parser decodes such a
 * label as punycode and refuses the host if it does not decode, which no pattern can state. Written without lookahead
 * (the label starts with another letter than x, or x and not n, or xn and not a hyphen, or xn- and not a hyphen).
 */
const label = (firstOtherThanX: string) =>
  `(?:${firstOtherThanX}(?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?` +
  `|[Xx](?:[A-MO-Za-mo-z0-9-][A-Za-z0-9-]{0,60}[A-Za-z0-9]|[A-MO-Za-mo-z0-9]` +
  `|[Nn](?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,59}[A-Za-z0-9])?|-[A-Za-z0-9](?:[A-Za-z0-9-]{0,58}[A-Za-z0-9])?)?)?)`;
// The last label starts with a letter: the URL parser reads a host whose last label is a number as an IPv4 address.
const HOST_NAME = `(?:${label('[A-WYZa-wyz0-9]')}\\.)*${label('[A-WYZa-wyz]')}`;
const PORT = '(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
const PATH_QUERY_FRAGMENT = '(?:[/?#][\\x21-\\x7E]*)?';

/**
 * The form of a webhook URL, as the document states it: `https` to an ASCII host name (no `xn--` label), an IPv4 or a
 * bracketed IPv6 address, with an optional port, then printable ASCII; or `http` to 127.0.0.1 or localhost with a
 * port, which the local stack alone accepts. Which addresses may be reached is checked beside it (`checkWebhookUrl`),
 * not written into it.
 */
export const WEBHOOK_URL_PATTERN =
  `^(?:https://(?:${HOST_NAME}|${IPV4}|\\[(?:${IPV6})\\])(?::${PORT})?` +
  `|http://(?:127\\.0\\.0\\.1|localhost):${PORT})${PATH_QUERY_FRAGMENT}$`;

// Addresses no webhook may reach: private, loopback, link-local, shared (CGNAT), reserved, documentation,
// benchmarking, multicast and broadcast ranges, and the IPv6 forms that embed an IPv4 address. A BlockList checks an
// IPv4-mapped IPv6 address (::ffff:10.0.0.1) against the IPv4 ranges itself.
const forbidden = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const family = (address: string): 'ipv4' | 'ipv6' | undefined =>
  isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : undefined;

/**
 * Whether a webhook may be sent to this IP address: a public one, or a loopback one where the policy allows it. Checked
 * on the address a name resolves to, just before sending, so that DNS cannot point a public name at a private address.
 */
export const isAllowedAddress = (address: string, policy: UrlPolicy): boolean => {
  const type = family(address);
  if (!type) return false;
  if (policy.allowLoopback && loopback.check(address, type)) return true;
  return !forbidden.check(address, type);
};

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a URL's host (as `URL.hostname` gives it) is this machine: a loopback name or address. */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase();
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  const type = family(literal);
  return LOOPBACK_NAMES.has(host) || (type !== undefined && loopback.check(literal, type));
};
const MAX_URL_LENGTH = 2048;

const refuse = (message: string): never => {
  throw new ValidationError([{ path: 'url', message }]);
};

/**
 * Checks a webhook URL when it is registered, or throws a `validation_error` on `url`: an absolute `https` URL (or, where
 * the policy allows loopback, an `http` one to 127.0.0.1 or localhost with a port), without credentials, whose host is
 * not an address in a forbidden range nor a name for this machine. A name is checked again when it is resolved.
 */
export const checkWebhookUrl = (raw: string, policy: UrlPolicy): string => {
  if (raw.length > MAX_URL_LENGTH) refuse(`must be at most ${MAX_URL_LENGTH} characters long`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('must be an absolute URL');
  }
  if (url.username !== '' || url.password !== '') refuse('must not carry credentials');
  const host = url.hostname.toLowerCase();
  const isLoopbackName = LOOPBACK_NAMES.has(host);
  // The parser drops a port that is the scheme's default (`:80`, `:443`): whether one was written is read from the text.
  const namesPort = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^/?#:[]*):[0-9]+(?:[/?#]|$)/i.test(raw);
  if (policy.allowLoopback && isLoopbackName && namesPort && (url.protocol === 'http:' || url.protocol === 'https:')) {
    return url.href;
  }
  if (url.protocol !== 'https:') refuse('must be an https URL');
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isLoopbackName || host.endsWith('.localhost') || (family(literal) && !isAllowedAddress(literal, policy))) {
    refuse('must not point at a private, loopback or link-local address');
  }
  return url.href;
};
