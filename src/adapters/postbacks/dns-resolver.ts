import { lookup } from 'node:dns/promises';
import { DestinationRefusedError, ResolutionUnavailableError } from '../../app/postbacks/errors.js';
import type { HostResolver } from '../../app/postbacks/ports.js';

/** Resolves destination hosts with the system resolver (A and AAAA), as the connection will. */
export class DnsHostResolver implements HostResolver {
  constructor(private readonly resolveAll: typeof lookup = lookup) {}

  async resolve(hostname: string): Promise<readonly string[]> {
    try {
      const answers = await this.resolveAll(hostname, { all: true, verbatim: true });
      return answers.map((a) => a.address);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA')
        throw new DestinationRefusedError(
          `host ${hostname} does not resolve`,
          { host: hostname, reason: 'unresolvable' },
          { cause: error },
        );
      throw new ResolutionUnavailableError(
        `host ${hostname} could not be resolved right now`,
        { host: hostname },
        { cause: error },
      );
    }
  }
}
