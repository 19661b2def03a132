import { copyFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bundledCountryDatabasePath,
  type CountryDatabase,
  openCountryDatabase,
} from '../../src/adapters/geo/mmdb-country-lookup.js';
import { RecordingLogger } from '../support/fakes.js';

const opened: CountryDatabase[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) database.close();
});

async function open(path: string, logger = new RecordingLogger()) {
  const database = await openCountryDatabase(path, logger, { watchIntervalMs: 20 });
  opened.push(database);
  return database;
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 5000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the country database', () => {
  it('tells countries of IPv4 and IPv6 addresses, and none for addresses it does not hold', async () => {
    const database = await open(bundledCountryDatabasePath());

    expect(database.countryOf('8.8.8.8')).toBe('US');
    expect(database.countryOf('80.128.0.1')).toBe('DE');
    expect(database.countryOf('142.112.0.1')).toBe('CA');
    expect(database.countryOf('2003:e0:0:0:0:0:0:1')).toBe('DE');
    expect(database.countryOf('10.0.0.1')).toBeUndefined();
    expect(database.description).toMatch(/country.* built \d{4}-\d{2}-\d{2}$/i);
  });

  it('is re-read when its file changes, and a new version that cannot be read leaves the old one in use', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ivs-geo-'));
    const path = join(folder, 'countries.mmdb');
    copyFileSync(bundledCountryDatabasePath(), path);
    const logger = new RecordingLogger();
    const database = await open(path, logger);

    writeFileSync(join(folder, 'next.mmdb'), 'not a database');
    renameSync(join(folder, 'next.mmdb'), path);
    await until(() => logger.entries.some((entry) => entry.level === 'warn'));
    const stillAnswers = database.countryOf('8.8.8.8');
    copyFileSync(bundledCountryDatabasePath(), join(folder, 'again.mmdb'));
    renameSync(join(folder, 'again.mmdb'), path);
    await until(() => logger.entries.some((entry) => entry.message === 'country database re-read'));

    expect(stillAnswers).toBe('US');
    expect(logger.entries.find((entry) => entry.level === 'warn')).toMatchObject({
      message: 'country database changed but could not be read; the version read before stays in use',
      fields: { geoipDatabase: path, problem: expect.stringMatching(/^is not an MMDB database/) },
    });
    expect(database.countryOf('8.8.8.8')).toBe('US');
  });

  it('refuses a file that is not an MMDB database, saying so', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ivs-geo-')), 'text.mmdb');
    writeFileSync(path, 'hello');

    await expect(open(path)).rejects.toThrow(/^is not an MMDB database/);
  });
});
