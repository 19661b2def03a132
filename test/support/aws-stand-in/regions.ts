/** An AWS region name as the SDK and ARNs spell it, e.g. 'us-west-2' or 'ap-northeast-1'. */
const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function isRegionName(value: string): boolean {
  return regionPattern.test(value);
}

/** Throws a TypeError naming `what` when `value` is not a region name. */
export function requireRegionName(value: string, what = 'region'): string {
  if (!isRegionName(value)) throw new TypeError(`${what} is not an AWS region name: ${value}`);
  return value;
}
