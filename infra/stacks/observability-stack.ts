/**
 * Observability (D9): the fleet's alarms and dashboard, and the alarm path. Alarms publish to an encrypted
 * SNS topic; the alarms function turns each notification into an ops message (OPS_WEBHOOK_URL, optional) and
 * tenant `alert` events on the events queue. An optional e-mail subscription reaches a human even when that
 * function is the thing that is broken.
 */
import { ArnFormat, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { metricServices } from '../../core/metric-names.ts';
import type { Settings } from '../settings.ts';
import { FleetAlarms } from '../constructs/fleet-alarms.ts';
import { FleetDashboard } from '../constructs/fleet-dashboard.ts';
import { WaFunction } from '../constructs/wa-function.ts';
import type { FleetResources } from './stateful-stack.ts';

export interface ObservabilityStackProps extends StackProps {
  readonly settings: Settings;
  readonly resources: FleetResources;
  readonly projectRoot: string;
  readonly cluster: ecs.ICluster;
  readonly service: ecs.IBaseService;
  readonly api: apigw.RestApi;
  /** The functions of the other stacks, by a readable name (the alarms function is added here). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
}

export class ObservabilityStack extends Stack {
  readonly topic: sns.Topic;
  readonly alarmsFunction: WaFunction;
  readonly alarms: FleetAlarms;
  readonly dashboard: FleetDashboard;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { settings, resources, projectRoot } = props;

    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      alias: `alias/${settings.name}/alarms`,
      description: 'wa-fleet alarm notifications',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch publishes alarm notifications into the encrypted topic: it must be allowed to publish and to
    // use the key, only on behalf of this account's alarms (no confused deputy).
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
    };
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${settings.name} alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );

    this.alarmsFunction = new WaFunction(this, 'AlarmsFunction', {
      entry: 'lambdas/alarms/handler.ts',
      service: metricServices.alarms,
      description: 'Alarm notifications -> ops webhook and tenant alert events',
      settings,
      resources,
      projectRoot,
      environment: settings.opsWebhookUrlParameter
        ? { OPS_WEBHOOK_URL: ssm.StringParameter.valueForStringParameter(this, settings.opsWebhookUrlParameter) }
        : {},
    }).useQueue('events', 'send');
    this.topic.addSubscription(new subscriptions.LambdaSubscription(this.alarmsFunction));
    if (settings.opsEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(settings.opsEmail));

    const functions = { ...props.functions, Alarms: this.alarmsFunction };
    this.alarms = new FleetAlarms(this, 'Alarms', {
      settings,
      topic: this.topic,
      queues: resources.queues,
      cluster: props.cluster,
      service: props.service,
      api: props.api,
      functions,
    });
    this.dashboard = new FleetDashboard(this, 'Dashboard', {
      dashboardName: settings.name,
      queues: resources.queues,
      cluster: props.cluster,
      service: props.service,
      api: props.api,
      functions,
      alarms: this.alarms.alarms,
    });
  }
}
