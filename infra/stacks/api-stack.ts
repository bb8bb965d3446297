/**
 * The public edge: an API Gateway REST API whose every `/v1/...` path goes to one API function behind a
 * Lambda REQUEST authorizer on the `Authorization` header; `/openapi.json` and `/docs` are public. Request
 * validation stays in the function (zod), the gateway adds throttling, JSON access logs with the caller's
 * tenant, and error bodies in the API's own `{ error: { code, message, requestId } }` shape.
 *
 * The authorizer verifies the admin key against a SHA-256 read from SSM at deploy time
 * (ADMIN_API_KEY_SHA256): the key itself is in no template, no environment and no AWS service.
 */
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';
import { metricServices } from '../../core/metric-names.ts';
import type { Settings } from '../settings.ts';
import { WaFunction } from '../constructs/wa-function.ts';
import type { FleetResources } from './stateful-stack.ts';

export interface ApiStackProps extends StackProps {
  readonly settings: Settings;
  readonly resources: FleetResources;
  readonly projectRoot: string;
}

/** Admin key hash variable of the authorizer (hex SHA-256 of the key; see README "Deploying to AWS"). */
export const ADMIN_KEY_HASH_ENV = 'ADMIN_API_KEY_SHA256';

export class ApiStack extends Stack {
  readonly api: apigw.RestApi;
  readonly apiFunction: WaFunction;
  readonly authorizerFunction: WaFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { settings, resources, projectRoot } = props;

    this.apiFunction = new WaFunction(this, 'ApiFunction', {
      entry: 'lambdas/api/handler.ts',
      service: metricServices.api,
      description: 'REST API: sessions, messages, campaigns, webhooks, keys',
      settings,
      resources,
      projectRoot,
      memorySize: 1024,
      timeout: Duration.seconds(29), // API Gateway's integration limit
    })
      .useTable('tenants', 'readWrite')
      .useTable('sessions', 'readWrite')
      .useTable('commands', 'readWrite')
      .useTable('campaigns', 'readWrite')
      .useTable('deliveries', 'readWrite')
      .useTable('idempotency', 'readWrite')
      .useSlotQueues('send')
      .useQueue('events', 'send')
      .useQueue('deliveries', 'send')
      .useBucket('imports', 'readWrite');

    this.authorizerFunction = new WaFunction(this, 'AuthorizerFunction', {
      entry: 'lambdas/api/authorizer.ts',
      service: metricServices.authorizer,
      description: 'REQUEST authorizer: API key -> tenant, key id, role',
      settings,
      resources,
      projectRoot,
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: {
        [ADMIN_KEY_HASH_ENV]: ssm.StringParameter.valueForStringParameter(this, settings.adminApiKeyHashParameter),
      },
    }).useTable('tenants', 'read');

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const authorizer = new apigw.RequestAuthorizer(this, 'ApiKeyAuthorizer', {
      handler: this.authorizerFunction,
      identitySources: [apigw.IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.seconds(settings.authorizerCacheSeconds),
    });

    const integration = new apigw.LambdaIntegration(this.apiFunction, { proxy: true });
    this.api = new apigw.RestApi(this, 'RestApi', {
      restApiName: `${settings.name}-api`,
      description: 'wa-fleet REST API',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Every method (including `/`, which {proxy+} does not match) goes to the API function and is behind
      // the authorizer unless it says otherwise.
      defaultIntegration: integration,
      defaultMethodOptions: { authorizer, authorizationType: apigw.AuthorizationType.CUSTOM },
      // Access logs need the account-level CloudWatch role; kept on teardown since it is account-wide.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'prod',
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false, // never log request or response bodies
        metricsEnabled: true,
        tracingEnabled: settings.tracing,
        throttlingRateLimit: settings.apiThrottleRate,
        throttlingBurstLimit: settings.apiThrottleBurst,
      },
    });


    const isPublic = { authorizationType: apigw.AuthorizationType.NONE };
    const openapi = this.api.root.addResource('openapi.json').addMethod('GET', integration, isPublic);
    const docs = this.api.root.addResource('docs').addMethod('GET', integration, isPublic);
    this.api.root.addProxy({ anyMethod: true });

    for (const [type, code, message] of GATEWAY_ERRORS) {
      this.api.addGatewayResponse(`${type.responseType}Response`, {
        type,
        templates: { 'application/json': errorBody(code, message) },
      });
    }

    for (const method of [openapi, docs]) {
      acknowledge(method, 'AwsSolutions-APIG4', 'The OpenAPI document and its docs page are public by design; they hold no tenant data.');
      acknowledge(method, 'AwsSolutions-COG4', 'Public documentation route: no authorizer of any kind, by design.');
    }
    acknowledge(
      this.api,
      'AwsSolutions-APIG2',
      'Requests are validated by the API function with zod (one schema set, also served as OpenAPI); gateway models would duplicate them.',
    );
    acknowledge(
      this.api,
      'AwsSolutions-APIG3',
      'No WAF by default: the API is key-authenticated, stage-throttled and rate-limited per tenant in the function. Attach a web ACL to the stage where a WAF is mandated.',
    );
    acknowledge(this.api, 'AwsSolutions-COG4', 'Machine clients authenticate with hashed API keys through the Lambda REQUEST authorizer, not Cognito users.');
    acknowledge(
      this.api,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The account-level API Gateway CloudWatch role needs AmazonAPIGatewayPushToCloudWatchLogs, the AWS-managed policy made for it.',
    );

    new CfnOutput(this, 'ApiUrl', {
      // No trailing slash: clients append `/v1/...`.
      value: Fn.join('', ['https://', this.api.restApiId, '.execute-api.', this.region, '.', this.urlSuffix, '/', this.api.deploymentStage.stageName]),
      description: 'Base URL of the REST API (append /v1/...)',
    });
  }
}

/** One JSON object per request; the tenant id comes from the authorizer context, never a key or body. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  path: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  tenantId: '$context.authorizer.tenantId',
  keyId: '$context.authorizer.keyId',
  errorType: '$context.error.responseType',
};

/** Errors answered by the gateway itself, in the API's error shape. */
const GATEWAY_ERRORS: [apigw.ResponseType, string, string][] = [
  [apigw.ResponseType.UNAUTHORIZED, 'unauthorized', JSON.stringify('A valid API key is required in the Authorization header')],
  [apigw.ResponseType.ACCESS_DENIED, 'forbidden', JSON.stringify('This API key may not do that')],
  [apigw.ResponseType.THROTTLED, 'rate_limited', JSON.stringify('Too many requests; slow down and retry')],
  // messageString is the gateway's own message, already a quoted JSON string.
  [apigw.ResponseType.DEFAULT_4XX, 'request_rejected', '$context.error.messageString'],
  [apigw.ResponseType.DEFAULT_5XX, 'internal_error', JSON.stringify('Something went wrong on our side')],
];

/** `message` is a JSON string literal (or a VTL variable that renders as one). */
function errorBody(code: string, message: string): string {
  return `{"error":{"code":"${code}","message":${message},"requestId":"$context.requestId"}}`;
}
