import { bareHost, checkAddress, checkHostName } from '../../domain/postbacks/address.js';
import { type Destination, urlOfTemplate } from '../../domain/postbacks/destinations.js';
import { DestinationRefusedError } from './errors.js';
import type { DestinationPolicy, HostResolver } from './ports.js';

export type { DestinationPolicy } from './ports.js';

/**
 * Checks a destination's URL before it is stored (the `PUT`): scheme, then the host's addresses, each of
 * which must be public. The same address check runs again at connect time (`SafeHttpTransport`), after
 * DNS resolution, against rebinding.
 * @throws DestinationRefusedError naming the host and the address range refused
 */
export async function checkDestination(
  destination: Destination,
  resolver: HostResolver,
  policy: DestinationPolicy,
): Promise<void> {
  const url = urlOfTemplate(destination.url);
  const id = destination.id;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new DestinationRefusedError(`${id}: expected an absolute http(s) URL`, {
      host: '',
      reason: 'invalid_url',
    });
  if (policy.requireHttps && url.protocol !== 'https:')
    throw new DestinationRefusedError(`${id}: destinations must use https`, {
      host: url.hostname,
      reason: 'https_required',
    });
  if (url.username || url.password)
    throw new DestinationRefusedError(
      `${id}: credentials in the URL are not allowed; use the webhook secret`,
      {
        host: url.hostname,
        reason: 'credentials_in_url',
      },
    );
  const host = bareHost(url.hostname);
  const early = checkHostName(host, policy);
  if (early && !early.allowed) throw refused(id, host, host, early.range);
  if (early?.allowed) return;
  for (const address of await resolver.resolve(host)) {
    const verdict = checkAddress(address, policy);
    if (!verdict.allowed) throw refused(id, host, address, verdict.range);
  }
}

function refused(id: string, host: string, address: string, range: string): DestinationRefusedError {
  const via = address === host ? '' : ` (resolves to ${address})`;
  return new DestinationRefusedError(
    `${id}: host ${host}${via} is a ${range} address; postbacks go only to public addresses`,
    {
      host,
      reason: range,
      address,
    },
  );
}
