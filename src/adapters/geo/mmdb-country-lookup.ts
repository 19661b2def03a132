import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type CountryResponse, Reader } from 'mmdb-lib';
import type { CountryLookup, Logger } from '../../domain/ports.js';

/**
 * The country database used without GEOIP_DATABASE: ip-location-db's geo-whois-asn-country, in
 * MMDB form, from its npm package (NRO data under CC BY 4.0; see the README, "The country database").
 */
export const BUNDLED_COUNTRY_DATABASE =
  '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb';

/** The record shapes country databases use: MaxMind's (GeoIP2/GeoLite2 Country, City) and ip-location-db's. */
interface CountryRecord {
  readonly country?: { readonly iso_code?: string };
  readonly registered_country?: { readonly iso_code?: string };
  readonly country_code?: string;
}

/** How often the database file is checked for a new version (one stat, off the request path). */
const WATCH_INTERVAL_MS = 5000;

export interface CountryDatabase extends CountryLookup {
  readonly path: string;
  /** When the version in use was built (the database's own metadata). */
  readonly builtAt: Date;
  /** Stops watching the file. */
  close(): void;
}

/** The path of the bundled database, resolved inside its npm package. */
export function bundledCountryDatabasePath(): string {
  return createRequire(import.meta.url).resolve(BUNDLED_COUNTRY_DATABASE);
}

/**
 * Opens an MMDB country database, read once into memory (lookups walk its search tree: no I/O and
 * no allocation beyond the record). The file is watched: a new version (a database update written
 * in place or moved over it) is read and checked off the request path, and replaces the old one
 * only when it opens; otherwise the old one stays and a warning says why. Throws when the first
 * read fails, with a message that reads after the path.
 */
export async function openCountryDatabase(
  path: string,
  logger: Logger,
  options: { readonly watchIntervalMs?: number } = {},
): Promise<CountryDatabase> {
  // The file as it was when read: any later difference (a new mtime, or a file moved over the
  // path, whose inode or size differ even within the file system's timestamp granularity) is a new
  // version. Compared with our own reading, not with the previous poll's, so a change made right
  // after the first read is never taken for the starting point.
  let readVersion = await versionOf(path);
  let reader = await readDatabase(path);
  const describe = () => {
    const { databaseType, buildEpoch } = reader.metadata;
    return `${databaseType} built ${buildEpoch.toISOString().slice(0, 10)}`;
  };
  let checking = false;
  const check = async () => {
    const version = await versionOf(path).catch(() => undefined);
    // A file being replaced may be missing for a moment: the version in use stays until it is back.
    if (version === undefined || version === readVersion) return;
    readVersion = version;
    try {
      reader = await readDatabase(path);
      logger.info({ geoipDatabase: path, database: describe() }, 'country database re-read');
    } catch (error) {
      logger.warn(
        { geoipDatabase: path, problem: error instanceof Error ? error.message : String(error) },
        'country database changed but could not be read; the version read before stays in use',
      );
    }
  };
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void check().finally(() => {
      checking = false;
    });
  }, options.watchIntervalMs ?? WATCH_INTERVAL_MS);
  timer.unref();
  return {
    path,
    get description() {
      return describe();
    },
    get builtAt() {
      return reader.metadata.buildEpoch;
    },
    countryOf(address) {
      // MaxMind's records name the country under `country`, ip-location-db's under `country_code`.
      const record = reader.get(address) as CountryRecord | null;
      if (record === null) return undefined;
      return record.country?.iso_code ?? record.country_code ?? record.registered_country?.iso_code;
    },
    close() {
      clearInterval(timer);
    },
  };
}

/** What tells one version of the file from another: modification time, inode and size. */
async function versionOf(path: string): Promise<string> {
  const { mtimeMs, ino, size } = await stat(path);
  return `${mtimeMs}:${ino}:${size}`;
}

async function readDatabase(path: string): Promise<Reader<CountryResponse>> {
  const buffer = await readFile(path);
  let reader: Reader<CountryResponse>;
  try {
    reader = new Reader<CountryResponse>(buffer);
  } catch (error) {
    throw new Error(`is not an MMDB database (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!/country|city|geo/i.test(reader.metadata.databaseType)) {
    throw new Error(
      `is a ${reader.metadata.databaseType} database, which holds no countries; use a country (or city) database`,
    );
  }
  return reader;
}
