import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

export interface LatencyRoutedDomainProps {
  /** The regional custom domain of this region's API. */
  readonly domain: apigateway.IDomainName;
  /** Public hosted zone holding the custom domain. */
  readonly hostedZoneId: string;
  /** DNS name of the hosted zone, e.g. `example.com`. */
  readonly zoneName: string;
  /** The one hostname every region answers, e.g. `api.example.com`. */
  readonly recordName: string;
  /** Region of this record (Route 53 answers each client with the lowest-latency healthy region). */
  readonly region: string;
  /** Host the health checkers call: the region's own API endpoint, never the shared hostname. */
  readonly healthCheckFqdn: string;
  /** Path answering 2xx while the region's API stage serves, e.g. `/prod/health`. */
  readonly healthCheckPath: string;
  /**
   * Consecutive failed checks before the region drops out of DNS answers.
   * @default 3
   */
  readonly failureThreshold?: number;
}

/**
 * One region's latency record of the shared hostname, with a health check of the region's own API
 * endpoint: clients use one URL, Route 53 sends each to the nearest healthy region, and a failed
 * region stops being answered after `failureThreshold` × 30 s.
 */
export class LatencyRoutedDomain extends Construct {
  readonly healthCheck: route53.HealthCheck;
  readonly record: route53.ARecord;

  constructor(scope: Construct, id: string, props: LatencyRoutedDomainProps) {
    super(scope, id);
    this.healthCheck = new route53.HealthCheck(this, 'HealthCheck', {
      type: route53.HealthCheckType.HTTPS,
      fqdn: props.healthCheckFqdn,
      resourcePath: props.healthCheckPath,
      requestInterval: Duration.seconds(30),
      failureThreshold: props.failureThreshold ?? 3,
      measureLatency: true,
    });
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.hostedZoneId,
      zoneName: props.zoneName,
    });
    this.record = new route53.ARecord(this, 'Record', {
      zone,
      recordName: props.recordName,
      target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(props.domain)),
      region: props.region,
      setIdentifier: props.region,
      healthCheck: this.healthCheck,
    });
  }
}
