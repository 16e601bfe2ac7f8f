import { CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct, IValidation } from 'constructs';
import type { PlatformConfig } from './config/schema.js';

/**
 * AWS service quotas the platform's shape depends on, with the defaults AWS gives a new account. A
 * config whose stacks would pass one fails at synth, naming the quota, instead of half-way through a
 * deploy. Raised quotas go in the config (`quotas`).
 */
export const AWS_DEFAULT_QUOTAS = {
  /** Kinesis Data Streams: on-demand streams per account and region (adjustable). */
  onDemandStreamsPerRegion: 50,
  /** Lambda: concurrent executions per account and region (adjustable); the concurrency alarm's 100 %. */
  lambdaConcurrency: 1_000,
  /** CloudFormation: resources per stack (hard limit). */
  resourcesPerStack: 500,
} as const;

export type PlatformQuotas = { readonly [K in keyof typeof AWS_DEFAULT_QUOTAS]: number };

/** A config needs more of an AWS resource than a quota allows. */
export class QuotaExceededError extends Error {
  constructor(
    readonly quota: keyof PlatformQuotas,
    readonly limit: number,
    readonly needed: number,
    message: string,
  ) {
    super(message);
    this.name = 'QuotaExceededError';
  }
}

/** The quotas in force: AWS's defaults, overridden by what the config says was raised. */
export function quotasOf(config: PlatformConfig): PlatformQuotas {
  return { ...AWS_DEFAULT_QUOTAS, ...config.quotas };
}

/**
 * Checks what the config alone decides: on-demand streams (the pool's plus one per silo tenant, in
 * every region). App keys and per-tenant limits live in the platform, not in API Gateway keys and usage
 * plans, so tenants count against no API Gateway quota.
 *
 * @throws QuotaExceededError naming the quota, its limit and what the config needs.
 */
export function checkConfigQuotas(config: PlatformConfig): void {
  const quotas = quotasOf(config);
  const streams = 1 + config.tenants.filter((tenant) => tenant.tier === 'silo').length;
  if (config.streamCapacity.mode === 'onDemand' && streams > quotas.onDemandStreamsPerRegion) {
    throw new QuotaExceededError(
      'onDemandStreamsPerRegion',
      quotas.onDemandStreamsPerRegion,
      streams,
      `Kinesis allows ${quotas.onDemandStreamsPerRegion} on-demand streams per account and region ` +
        `(quota "On-demand data streams per account"); the pool and ${streams - 1} silo tenants need ` +
        `${streams}. Request an increase and set quotas.onDemandStreamsPerRegion, use ` +
        'streamCapacity provisioned, or move tenants to the pool.',
    );
  }
}

/**
 * A validation of one stack: at most `limit` CloudFormation resources (silo tenants add a stream,
 * consumer, queue, alarm and delivery stream each, so stacks grow with them).
 */
export class ResourcesPerStackValidation implements IValidation {
  constructor(
    private readonly stack: Stack,
    private readonly limit: number,
  ) {}

  validate(): string[] {
    const count = this.stack.node
      .findAll()
      .filter((node: IConstruct) => CfnResource.isCfnResource(node) && Stack.of(node) === this.stack).length;
    if (count <= this.limit) return [];
    return [
      `CloudFormation allows ${this.limit} resources per stack (quota "Resources per stack"); ` +
        `${this.stack.stackName} has ${count}. Move silo tenants to the pool or split them across ` +
        'deployments (see docs/deployment.md, Quotas).',
    ];
  }
}
