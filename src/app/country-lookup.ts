/**
 * The port behind the country of installs and events (SPEC §8): an IP-to-country table. The ingest
 * routes ask it for the caller's country when the SDK sent none; the adapter in `src/adapters/geoip/`
 * reads the table shipped as an npm package.
 */
export interface CountryLookup {
  /** The ISO 3166-1 alpha-2 country of `ip`; undefined when the table does not know the address. */
  countryOf(ip: string): string | undefined;
}
