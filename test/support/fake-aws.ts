import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the AWS services the local emulators lack (STS, Athena, SQS, Secrets Manager), enough
 * for the SDK clients to complete the calls the functions make: AssumeRole answers credentials named
 * after the session's `tenant` tag, an Athena query succeeds at once with no rows, SQS takes every
 * message, every secret holds `FAKE_SECRET_STRING`. Each
 * request is recorded with the access key that signed it, so a test sees which credentials a call used.
 */

export interface FakeAwsRequest {
  /** `sts`, `athena`, `sqs` or `secretsmanager`. */
  readonly service: string;
  /** e.g. `AssumeRole`, `StartQueryExecution`. */
  readonly operation: string;
  /** The access key id of the request's signature. */
  readonly accessKeyId: string;
  readonly body: string;
}

export interface FakeAws {
  readonly endpoint: string;
  readonly requests: FakeAwsRequest[];
  close(): Promise<void>;
}

/** The value of every secret the fake Secrets Manager holds (a service-token signing secret). */
export const FAKE_SECRET_STRING = 'fake-service-token-secret-0123456789abcdef0123456789abcdef';

/** The access key id of the session AssumeRole hands out for a tenant tag. */
export const sessionKeyOf = (tenant: string): string => `ASIAFAKE${tenant.toUpperCase()}`;

const xmlEscape = (value: string) => value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function assumeRole(body: string): string {
  const form = new URLSearchParams(body);
  let tenant = '';
  for (let i = 1; form.has(`Tags.member.${i}.Key`); i++) {
    if (form.get(`Tags.member.${i}.Key`) === 'tenant') tenant = form.get(`Tags.member.${i}.Value`) ?? '';
  }
  const expiration = new Date(Date.now() + Number(form.get('DurationSeconds') ?? 3600) * 1000);
  return (
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>' +
    `<Credentials><AccessKeyId>${xmlEscape(sessionKeyOf(tenant))}</AccessKeyId>` +
    '<SecretAccessKey>fake</SecretAccessKey><SessionToken>fake-token</SessionToken>' +
    `<Expiration>${expiration.toISOString()}</Expiration></Credentials>` +
    `<AssumedRoleUser><Arn>${xmlEscape(form.get('RoleArn') ?? '')}/${xmlEscape(form.get('RoleSessionName') ?? '')}</Arn>` +
    '<AssumedRoleId>AROAFAKE:session</AssumedRoleId></AssumedRoleUser>' +
    '</AssumeRoleResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></AssumeRoleResponse>'
  );
}

function athena(operation: string): unknown {
  if (operation === 'StartQueryExecution') return { QueryExecutionId: 'fake-query' };
  if (operation === 'GetQueryExecution')
    return { QueryExecution: { QueryExecutionId: 'fake-query', Status: { State: 'SUCCEEDED' } } };
  if (operation === 'GetQueryResults')
    return { ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } };
  throw new Error(`the fake Athena does not answer ${operation}`);
}

function sqs(operation: string, body: string): unknown {
  if (operation === 'SendMessage') {
    const { MessageBody } = JSON.parse(body) as { MessageBody: string };
    return {
      MessageId: 'fake-message',
      MD5OfMessageBody: createHash('md5').update(MessageBody).digest('hex'),
    };
  }
  if (operation === 'ChangeMessageVisibility') return {};
  throw new Error(`the fake SQS does not answer ${operation}`);
}

export async function startFakeAws(): Promise<FakeAws> {
  const requests: FakeAwsRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const accessKeyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
      const target = String(req.headers['x-amz-target'] ?? '');
      try {
        if (target === 'secretsmanager.GetSecretValue') {
          requests.push({ service: 'secretsmanager', operation: 'GetSecretValue', accessKeyId, body });
          const { SecretId } = JSON.parse(body) as { SecretId: string };
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(
            JSON.stringify({
              ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}-AbCdEf`,
              Name: SecretId,
              SecretString: FAKE_SECRET_STRING,
            }),
          );
          return;
        }
        if (target.startsWith('AmazonAthena.') || target.startsWith('AmazonSQS.')) {
          const [prefix, operation = ''] = target.split('.');
          const service = prefix === 'AmazonAthena' ? 'athena' : 'sqs';
          requests.push({ service, operation, accessKeyId, body });
          const answer = service === 'athena' ? athena(operation) : sqs(operation, body);
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(answer));
          return;
        }
        const action = new URLSearchParams(body).get('Action');
        if (action === 'AssumeRole') {
          requests.push({ service: 'sts', operation: action, accessKeyId, body });
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(assumeRole(body));
          return;
        }
        throw new Error(`the fake AWS does not answer ${target || action || req.url}`);
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
