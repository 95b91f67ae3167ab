// A zod 4 schema that does the same work as `kommoConfigSchema` (src/config.rs), used as the
// baseline of the validation benchmark. It is written the way a careful zod user would write it,
// not to be slow: a strict object, field checks, then one transform that parses the URL with the
// WHATWG parser (the same URL standard the Rust `url` crate implements), applies the host, scheme
// and path rules and returns the canonical config.
//
// Same rules as the Rust side, one for one: exactly one of baseUrl/subdomain; accessToken non-empty,
// no "Bearer " prefix, no whitespace or control characters; defaultCountry a known two-letter region
// (the phonenumber crate's list), upper-cased; baseUrl absolute http(s), no credentials, query or
// fragment, path '', '/', '/api/v4' or '/api/v4/'; a single-label *.kommo.com / *.amocrm.com /
// *.amocrm.ru host over https without a port (never www), loopback over http or https, any other
// host only with allowUntrustedHost: true and https. Output: { baseUrl (scheme://host[:port]),
// accessToken, allowUntrustedHost? (only when the host is untrusted), defaultCountry? }.
//
// One structural difference is zod's, not ours: zod runs the object-level transform only when every
// field passed, so for an input with several problems it reports fewer issues than the Rust side
// (which always checks every key). The benchmark's invalid input fails in the URL rule with all
// fields valid, so both sides do the full work there.
import { z } from 'zod'

const TRUSTED_SUFFIXES = ['.kommo.com', '.amocrm.com', '.amocrm.ru']

// CLDR region ids accepted by the phonenumber crate 0.3.10 (`phonenumber::country::Id`), which is
// what `defaultCountry` is checked against on the Rust side.
const REGIONS = new Set(
  ('AC AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BW BY ' +
    'BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ ' +
    'FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IO IQ IR ' +
    'IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH ' +
    'MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK ' +
    'PL PM PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TA ' +
    'TC TD TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW').split(' '),
)

/** The single-label subdomain of a trusted suffix, or undefined (never `www`). */
function kommoSubdomain(host) {
  for (const suffix of TRUSTED_SUFFIXES) {
    if (host.endsWith(suffix)) {
      const sub = host.slice(0, -suffix.length)
      return sub !== '' && !sub.includes('.') && sub !== 'www' ? sub : undefined
    }
  }
  return undefined
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/ // a WHATWG-parsed hostname of this shape is an IPv4 address

function isLoopback(hostname) {
  return hostname === 'localhost' || hostname === '[::1]' || (hostname.startsWith('127.') && IPV4.test(hostname))
}

function isIp(hostname) {
  return hostname.startsWith('[') || IPV4.test(hostname)
}

/** Returns the canonical base URL, or a string starting with '!' describing the problem. */
function canonicalBaseUrl(input, allowUntrusted) {
  const trimmed = input.trim()
  if (trimmed === '') return '!must not be empty; expected your account URL, e.g. https://<subdomain>.kommo.com'
  let url
  try {
    url = new URL(trimmed)
  } catch {
    return `!${JSON.stringify(trimmed.slice(0, 80))} is not a valid absolute URL; expected https://<subdomain>.kommo.com`
  }
  const scheme = url.protocol
  if (scheme !== 'https:' && scheme !== 'http:') {
    return `!scheme ${scheme} is not supported; expected https://<subdomain>.kommo.com`
  }
  if (url.username !== '' || url.password !== '') {
    return '!must not contain a user name or password; put the token in accessToken'
  }
  // `url.search` is '' for a bare '?', which the Rust side (query() == Some("")) rejects too.
  if (url.search !== '' || url.hash !== '' || trimmed.includes('?') || trimmed.includes('#')) {
    return '!must not contain a query string or fragment; expected https://<subdomain>.kommo.com'
  }
  const path = url.pathname
  if (path !== '/' && path !== '/api/v4' && path !== '/api/v4/') {
    return `!path ${path} is not supported; give the account URL (https://<subdomain>.kommo.com), optionally followed by /api/v4`
  }
  const host = url.hostname
  if (isLoopback(host)) {
    // http is fine on loopback: the sandbox and local tests.
  } else if (!isIp(host)) {
    if (kommoSubdomain(host) !== undefined) {
      if (scheme !== 'https:') return `!Kommo accounts are served over https; use https://${host}`
      if (url.port !== '') return `!remove the port; expected https://${host}`
    } else if (TRUSTED_SUFFIXES.some((s) => host === s.slice(1) || host.endsWith(s))) {
      return `!host ${host} is not an account host; use your own account's address, e.g. https://<subdomain>.kommo.com`
    } else if (!allowUntrusted) {
      return `!host ${host} is not a Kommo account host; expected https://<subdomain>.kommo.com (or .amocrm.com / .amocrm.ru). To send the token to another host on purpose (a proxy), set allowUntrustedHost: true`
    } else if (scheme !== 'https:') {
      return `!an untrusted host must use https; use https://${host}`
    }
  } else if (!allowUntrusted) {
    return `!host ${host} is not a Kommo account host; expected https://<subdomain>.kommo.com. To send the token to another host on purpose, set allowUntrustedHost: true`
  } else if (scheme !== 'https:') {
    return `!an untrusted host must use https; use https://${host}`
  }
  return `${scheme}//${url.host}`
}

/** Returns the canonical base URL for a subdomain, or a string starting with '!'. */
function subdomainUrl(input) {
  const s = input.trim().toLowerCase()
  if (s === '') return '!must not be empty; expected the first part of your account address, e.g. "acme"'
  if (s.includes('://')) return `!${JSON.stringify(input.slice(0, 80))} looks like a URL; put it in baseUrl`
  if (s.includes('.')) {
    if (kommoSubdomain(s) === undefined) return `!${JSON.stringify(input.slice(0, 80))} is not a subdomain`
    try {
      const url = new URL(`https://${s}`)
      return `https://${url.host}`
    } catch (e) {
      return `!${e.message}`
    }
  }
  if (s.length > 63 || !/^[a-z0-9-]+$/.test(s) || s.startsWith('-') || s.endsWith('-')) {
    return `!${JSON.stringify(input.slice(0, 80))} is not a valid subdomain; use letters, digits and hyphens`
  }
  return `https://${s}.kommo.com`
}

/** Whether a canonical base URL's host is trusted (a Kommo account host or loopback). */
function isTrusted(baseUrl) {
  // baseUrl is scheme://host[:port]; strip the port (an IPv6 host keeps its brackets).
  let host = baseUrl.slice(baseUrl.indexOf('//') + 2)
  const colon = host.lastIndexOf(':')
  if (colon > host.lastIndexOf(']')) host = host.slice(0, colon)
  return kommoSubdomain(host) !== undefined || isLoopback(host)
}

const TOKEN_BAD_CHAR = /[\p{White_Space}\p{Cc}]/u

export const zodKommoConfigSchema = z
  .strictObject({
    baseUrl: z.string().optional(),
    subdomain: z.string().optional(),
    accessToken: z
      .string()
      .min(1, 'must not be empty: paste the long-lived token or OAuth access token')
      .refine((t) => !/^Bearer[\p{White_Space}]/u.test(t), 'remove the "Bearer " prefix: give the token alone')
      .refine(
        (t) => !TOKEN_BAD_CHAR.test(t),
        'contains whitespace or a control character; copy the token again without surrounding spaces or line breaks',
      ),
    allowUntrustedHost: z.boolean().optional(),
    defaultCountry: z
      .string()
      .refine((c) => REGIONS.has(c.trim().toUpperCase()), 'is not a known ISO 3166-1 alpha-2 country code')
      .transform((c) => c.toUpperCase())
      .optional(),
  })
  .transform((input, ctx) => {
    let url
    let path
    if (input.baseUrl !== undefined && input.subdomain !== undefined) {
      url = '!give either baseUrl or subdomain, not both'
      path = 'subdomain'
    } else if (input.baseUrl !== undefined) {
      url = canonicalBaseUrl(input.baseUrl, input.allowUntrustedHost === true)
      path = 'baseUrl'
    } else if (input.subdomain !== undefined) {
      url = subdomainUrl(input.subdomain)
      path = 'subdomain'
    } else {
      url = '!required: set baseUrl to your account URL (https://<subdomain>.kommo.com) or subdomain to <subdomain>'
      path = 'baseUrl'
    }
    if (url.startsWith('!')) {
      ctx.addIssue({ code: 'custom', path: [path], message: url.slice(1) })
      return z.NEVER
    }
    const out = { baseUrl: url, accessToken: input.accessToken }
    if (input.allowUntrustedHost === true && !isTrusted(url)) out.allowUntrustedHost = true
    if (input.defaultCountry !== undefined) out.defaultCountry = input.defaultCountry
    return out
  })
