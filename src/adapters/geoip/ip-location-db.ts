import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CountryLookup } from '../../app/country-lookup.js';
import { IpCountryTable, parseCountryRanges } from '../../domain/country.js';
import { COUNTRY_DB_ASSET } from '../../tools/bundling.js';

/**
 * The IP-to-country table of `@ip-location-db/geo-whois-asn-country` (CC0-1.0; built from the regional
 * internet registries' delegation files and ASN data, NRO statistics under CC BY 4.0; republished daily
 * by its author, so `npm update` brings newer ranges). Offline: no network call at lookup. Read lazily
 * on the first lookup (about 550 000 ranges, some 100 ms and 40 MB of heap), then kept for the process.
 */

/** Where a table file is: beside the Lambda bundle (copied at bundling), else in node_modules. */
export function countryTablePath(fileName: string, moduleUrl: string = import.meta.url): string {
  const beside = join(dirname(fileURLToPath(moduleUrl)), fileName);
  if (existsSync(beside)) return beside;
  const manifest = createRequire(moduleUrl).resolve(`${COUNTRY_DB_ASSET.packageName}/package.json`);
  return join(dirname(manifest), fileName);
}

let table: IpCountryTable | undefined;

/** The shipped table, loaded once. */
export function shippedCountryTable(): IpCountryTable {
  table ??= new IpCountryTable(
    parseCountryRanges(readFileSync(countryTablePath(COUNTRY_DB_ASSET.ipv4File), 'utf8'), 'ipv4'),
    parseCountryRanges(readFileSync(countryTablePath(COUNTRY_DB_ASSET.ipv6File), 'utf8'), 'ipv6'),
  );
  return table;
}

/** A `CountryLookup` over the shipped table; the table is read on the first lookup, not at cold start. */
export function shippedCountryLookup(): CountryLookup {
  return { countryOf: (ip) => shippedCountryTable().countryOf(ip) };
}
