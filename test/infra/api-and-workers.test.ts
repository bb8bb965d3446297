// The API edge and the asynchronous functions: REST API routes and authorizer, stage hardening, the one
// Function construct's defaults on every function, SQS event sources with partial batch responses, and the
// scheduler's one-minute tick.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { queues } from '../../core/resources.ts';
import { synthFleet, type SynthesizedFleet } from './support/synth-fleet.ts';

let synthesized: SynthesizedFleet;
let api: Template;
let workers: Template;

beforeAll(() => {
  synthesized = synthFleet();
  api = synthesized.template(synthesized.fleet.api);
  workers = synthesized.template(synthesized.fleet.workers);
});
afterAll(() => synthesized.dispose());

const functionOf = (template: Template, construct: Parameters<SynthesizedFleet['logicalId']>[0]) =>
  template.findResources('AWS::Lambda::Function')[synthesized.logicalId(construct)]!;

describe('every function', () => {
  const all = () => [
    [api, synthesized.fleet.api.apiFunction, 'api'],
    [api, synthesized.fleet.api.authorizerFunction, 'authorizer'],
    [workers, synthesized.fleet.workers.webhooksFunction, 'webhooks'],
    [workers, synthesized.fleet.workers.webhookRetryFunction, 'webhooks'],
    [workers, synthesized.fleet.workers.schedulerFunction, 'scheduler'],
    [synthesized.template(synthesized.fleet.observability), synthesized.fleet.observability.alarmsFunction, 'alarms'],
  ] as const;

  it('runs Node 22 on arm64 as ESM with source maps and Powertools configured', () => {
    for (const [template, fn, service] of all()) {
      const props = functionOf(template, fn).Properties;
      expect(props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(props.Environment.Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: 'WaFleet',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    }
  });

  it('logs to its own log group with the configured retention, through a role that may only write there', () => {
    for (const [template, fn] of all()) {
      const props = functionOf(template, fn).Properties;
      const logGroupId = props.LoggingConfig.LogGroup.Ref as string;
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]!.Properties.RetentionInDays).toBe(30);
      const role = template.findResources('AWS::IAM::Role')[props.Role['Fn::GetAtt'][0]]!;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('REST API', () => {
  it('is a regional API with one stage that logs access as JSON, throttles, and never logs bodies', () => {
    api.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    api.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    api.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"tenantId":"\\$context.authorizer.tenantId"') },
      MethodSettings: [
        Match.objectLike({ DataTraceEnabled: false, LoggingLevel: 'ERROR', ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400, MetricsEnabled: true }),
      ],
    });
  });

  it('guards everything with the REQUEST authorizer on the Authorization header, cached briefly', () => {
    api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 30,
      AuthorizerUri: Match.anyValue(),
    });
    const authorizerId = Object.keys(api.findResources('AWS::ApiGateway::Authorizer'))[0]!;
    const methods = Object.values(api.findResources('AWS::ApiGateway::Method'));
    const guarded = methods.filter((method) => method.Properties.AuthorizationType === 'CUSTOM');
    const open = methods.filter((method) => method.Properties.AuthorizationType !== 'CUSTOM');

    expect(guarded.map((method) => method.Properties.HttpMethod).sort()).toEqual(['ANY', 'ANY']); // / and /{proxy+}
    for (const method of guarded) expect(method.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    expect(open).toHaveLength(2);
    for (const method of open) expect(method.Properties).toMatchObject({ HttpMethod: 'GET', AuthorizationType: 'NONE' });
  });

  it('routes {proxy+}, /openapi.json and /docs to the API function as a Lambda proxy', () => {
    const paths = Object.values(api.findResources('AWS::ApiGateway::Resource')).map((resource) => resource.Properties.PathPart);
    expect(paths.sort()).toEqual(['docs', 'openapi.json', '{proxy+}']);
    const apiFunctionArn = { 'Fn::GetAtt': [synthesized.logicalId(synthesized.fleet.api.apiFunction), 'Arn'] };
    for (const method of Object.values(api.findResources('AWS::ApiGateway::Method'))) {
      expect(method.Properties.Integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(JSON.stringify(apiFunctionArn));
    }
  });

  it('answers gateway-level errors in the API error shape', () => {
    for (const type of ['UNAUTHORIZED', 'ACCESS_DENIED', 'THROTTLED', 'DEFAULT_4XX', 'DEFAULT_5XX']) {
      api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('^\\{"error":\\{"code":"[a-z_]+","message":.+,"requestId":"\\$context.requestId"\\}\\}$') },
      });
    }
  });

  it('gives the authorizer only the admin key hash, resolved from SSM at deploy time, never the key', () => {
    const variables = functionOf(api, synthesized.fleet.api.authorizerFunction).Properties.Environment.Variables;
    const parameterId = variables.ADMIN_API_KEY_SHA256.Ref as string;
    expect(api.toJSON().Parameters[parameterId]).toEqual({
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/wa-fleet/admin-api-key-sha256',
    });
    for (const fn of Object.values(api.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables.ADMIN_API_KEY).toBeUndefined();
    }
  });

  it('outputs the base URL, without a trailing slash, ending in the stage', () => {
    const parts = api.toJSON().Outputs.ApiUrl.Value['Fn::Join'][1] as unknown[];
    expect(parts[0]).toBe('https://');
    expect(parts.at(-1)).toEqual({ Ref: expect.stringMatching(/^RestApiDeploymentStageprod/) });
  });
});

describe('webhook consumers', () => {
  const mappingFor = (fn: Parameters<SynthesizedFleet['logicalId']>[0]) =>
    Object.values(workers.findResources('AWS::Lambda::EventSourceMapping')).find(
      (mapping) => mapping.Properties.FunctionName.Ref === synthesized.logicalId(fn),
    )!;

  it.each([
    ['webhooks', 'events'],
    ['webhookRetry', 'deliveries'],
  ] as const)('%s consumes the %s queue 10 at a time and reports partial batch failures', (fnName, queueName) => {
    const fn = fnName === 'webhooks' ? synthesized.fleet.workers.webhooksFunction : synthesized.fleet.workers.webhookRetryFunction;
    const mapping = mappingFor(fn);
    expect(mapping.Properties).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 20 } });
    expect(JSON.stringify(mapping.Properties.EventSourceArn)).toContain(
      synthesized.logicalId(synthesized.fleet.stateful.resources.queues.queue(queueName)),
    );
  });

  it('finishes a batch before its messages become visible again', () => {
    for (const fn of [synthesized.fleet.workers.webhooksFunction, synthesized.fleet.workers.webhookRetryFunction]) {
      expect(functionOf(workers, fn).Properties.Timeout).toBeLessThan(queues.events.visibilityTimeoutSeconds);
    }
  });
});

describe('campaign scheduler', () => {
  it('is ticked by EventBridge every minute, without retries of stale ticks', () => {
    workers.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [synthesized.logicalId(synthesized.fleet.workers.schedulerFunction), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    workers.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    expect(functionOf(workers, synthesized.fleet.workers.schedulerFunction).Properties.Timeout).toBeLessThan(60);
  });
});
