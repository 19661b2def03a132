/**
 * ISO 3166-1 alpha-2: the 249 officially assigned codes, plus XK (Kosovo), which is user-assigned
 * but used for Kosovo by the country databases and CDNs this service reads. IVS playback
 * restriction policies take the same codes.
 */
const ASSIGNED = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ ' +
  'BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ ' +
  'DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ' +
  'ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ ' +
  'LA LB LC LI LK LR LS LT LU LV LY ' +
  'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ ' +
  'NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA ' +
  'RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ ' +
  'TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU ' +
  'WF WS XK YE YT ZA ZM ZW'
).split(' ');

const COUNTRIES: ReadonlySet<string> = new Set(ASSIGNED);
const TWO_LETTERS = /^[A-Za-z]{2}$/;

/**
 * What CDNs send in a viewer-country header when they cannot tell the country: `XX` (unknown) and
 * `T1` (a Tor exit node), as Cloudflare does. They mean "country unknown", not a country.
 */
export const UNKNOWN_COUNTRY_MARKERS: ReadonlySet<string> = new Set(['XX', 'T1']);

/** The upper-case code when `value` is an assigned ISO 3166-1 alpha-2 code (any case), else undefined. */
export function countryCode(value: string): string | undefined {
  // ASCII letters only: toUpperCase would turn the dotless ı of "ıt" into IT.
  if (!TWO_LETTERS.test(value)) return undefined;
  const upper = value.toUpperCase();
  return COUNTRIES.has(upper) ? upper : undefined;
}
