/**
 * The socket runners (D3, D4): an ECS Fargate service on arm64 whose tasks each claim a slot lease and hold
 * the Baileys sockets of the sessions they lease. It scales between `minRunners` and the slot count on the
 * average SessionsPerRunner the runners publish (EMF), and every handover is graceful: ECS sends SIGTERM and
 * waits the full 120 s Fargate allows, in which a runner flushes credentials, closes its sockets and releases
 * its leases so peers resume the sessions at once without a QR.
 *
 * Rolling deploys: a runner reports healthy only once it holds a slot, and slots are as many as the service's
 * maximum task count, so at full scale a new task can only become healthy after an old one has handed over
 * and released its slot. Hence min healthy 50 % (ECS may stop half the old tasks while their replacements
 * wait for slots; their sessions move to the other runners gracefully), max 200 % (below full scale the new
 * tasks start next to the old ones and take free slots at once), and a health-check start period long enough
 * to cover a peer's full 120 s handover. The circuit breaker rolls back a deploy whose tasks never turn
 * healthy.
 *
 * Networking is a setting: `public` puts tasks in public subnets with public IPs (no NAT: cheapest),
 * `private` puts them behind NAT gateways (fixed egress IPs). Either way they accept no inbound traffic and
 * may only open TCP 443 (WhatsApp's websocket and AWS APIs); DynamoDB and S3 go through free gateway
 * endpoints.
 */
import { Duration, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeFindings } from '../nag.ts';
import { METRICS_NAMESPACE, SERVICE_DIMENSION, metricServices, runnerMetrics } from '../../core/metric-names.ts';
import type { Settings } from '../settings.ts';
import { ResourceAccess } from '../constructs/resource-access.ts';
import type { FleetResources } from './stateful-stack.ts';

export interface RunnerStackProps extends StackProps {
  readonly settings: Settings;
  readonly resources: FleetResources;
  readonly projectRoot: string;
}

/** Port of the runner's `GET /health` inside the task (HEALTH_PORT). */
export const RUNNER_HEALTH_PORT = 8080;
/** Fargate's maximum, and what D4's graceful handover is budgeted against. */
export const RUNNER_STOP_TIMEOUT = Duration.seconds(120);

export class RunnerStack extends Stack {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: RunnerStackProps) {
    super(scope, id, props);
    const { settings, resources, projectRoot } = props;
    const isPublic = settings.runnerNetwork === 'public';

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: isPublic ? 0 : settings.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 22 },
        ...(isPublic ? [] : [{ name: 'runners', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 }]),
      ],
      gatewayEndpoints: {
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL });

    const securityGroup = new ec2.SecurityGroup(this, 'RunnerSecurityGroup', {
      vpc,
      description: 'wa-fleet socket runners: no inbound; outbound HTTPS only (WhatsApp websocket, AWS APIs)',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'WhatsApp websocket and AWS APIs over TLS');

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED, // RunningTaskCount vs DesiredTaskCount alarm
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'RunnerTask', {
      cpu: settings.runnerCpu,
      memoryLimitMiB: settings.runnerMemoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      volumes: [{ name: 'tmp' }],
    });

    const runnerLogs = new logs.LogGroup(this, 'RunnerLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.container = this.taskDefinition.addContainer('runner', {
      image: ecs.ContainerImage.fromAsset(projectRoot, { file: 'socket-runner/Dockerfile', platform: Platform.LINUX_ARM64 }),
      essential: true,
      readonlyRootFilesystem: true,
      stopTimeout: RUNNER_STOP_TIMEOUT,
      logging: ecs.LogDrivers.awsLogs({
        logGroup: runnerLogs,
        streamPrefix: 'runner',
        // A slow log pipeline must never stall the socket event loop (lease renewals are on it).
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      environment: {
        HEALTH_PORT: String(RUNNER_HEALTH_PORT),
        LOG_LEVEL: settings.logLevel,
        POWERTOOLS_LOG_LEVEL: settings.logLevel,
        POWERTOOLS_SERVICE_NAME: metricServices.runner,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // No --enable-source-maps: the runner bundle is not minified, so traces read as they are, and source
        // maps at run time cost ~230 MB of heap (infra/runner-bundle.ts).
      },
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${RUNNER_HEALTH_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        // Covers waiting for a slot that a stopping peer releases only after its handover (up to 120 s).
        startPeriod: Duration.seconds(300),
      },
    });
    this.container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });

    const taskRole = this.taskDefinition.taskRole;
    new ResourceAccess(
      { grantee: taskRole, policyScope: taskRole, setEnvironment: (name, value) => this.container.addEnvironment(name, value) },
      resources,
    )
      .table('leases', 'readWrite')
      .table('sessions', 'readWrite')
      .table('commands', 'readWrite')
      .table('auth', 'readWrite')
      .slotQueues('sendConsume')
      .queue('events', 'send')
      .bucket('credentials', 'readWrite');

    this.service = new ecs.FargateService(this, 'RunnerService', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: settings.minRunners,
      minHealthyPercent: 50,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      assignPublicIp: isPublic,
      vpcSubnets: { subnetType: isPublic ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      enableExecuteCommand: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    const scaling = this.service.autoScaleTaskCount({ minCapacity: settings.minRunners, maxCapacity: settings.slotCount });
    scaling.scaleToTrackCustomMetric('SessionsPerRunnerTracking', {
      metric: sessionsPerRunnerMetric(),
      targetValue: settings.sessionsPerRunnerTarget,
      // Scale-in means handovers: go slowly. Scale-out means new capacity: go fast.
      scaleInCooldown: Duration.minutes(10),
      scaleOutCooldown: Duration.minutes(2),
    });

    acknowledge(
      this.taskDefinition,
      'AwsSolutions-ECS2',
      'The environment carries resource names, the slot count and log settings only; the runner has no secrets (AWS access comes from the task role).',
    );
    acknowledgeFindings(this.taskDefinition.obtainExecutionRole(), 'AwsSolutions-IAM5', [
      {
        finding: /^Resource::\*$/,
        reason: 'ecr:GetAuthorizationToken supports no resource-level permissions; image pulls themselves are scoped to the asset repository.',
      },
    ]);
  }
}

/** Average hosted sessions per runner: what target tracking keeps near `sessionsPerRunnerTarget`. */
export function sessionsPerRunnerMetric(): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: runnerMetrics.sessionsPerRunner,
    dimensionsMap: { [SERVICE_DIMENSION]: metricServices.runner },
    statistic: cloudwatch.Stats.AVERAGE,
    period: Duration.minutes(1),
  });
}
