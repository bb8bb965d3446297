// The socket runner service: an arm64 Fargate task built from socket-runner/Dockerfile, graceful 120 s
// stops, health-checked, rolled back on failed deploys, scaled on SessionsPerRunner between the minimum and
// the slot count, in the network mode the settings choose, reachable from nowhere and reaching out on 443 only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthFleet, type SynthesizedFleet } from './support/synth-fleet.ts';

let synthesized: SynthesizedFleet;
let runner: Template;

beforeAll(() => {
  synthesized = synthFleet({ context: { slotCount: 12, minRunners: 3 } });
  runner = synthesized.template(synthesized.fleet.runner);
});
afterAll(() => synthesized.dispose());

const container = () => runner.findResources('AWS::ECS::TaskDefinition')[synthesized.logicalId(synthesized.fleet.runner.taskDefinition)]!.Properties.ContainerDefinitions[0];

describe('runner task', () => {
  it('is an arm64 Fargate task of the configured size', () => {
    runner.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '1024',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  it('runs the image built from socket-runner/Dockerfile for linux/arm64', () => {
    const manifest = JSON.parse(
      readFileSync(path.join(synthesized.assembly.directory, `${synthesized.fleet.runner.artifactId}.assets.json`), 'utf8'),
    ) as { dockerImages: Record<string, { source: { dockerFile: string; platform: string; directory: string } }> };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source).toMatchObject({ dockerFile: 'socket-runner/Dockerfile', platform: 'linux/arm64' });
  });

  it('gives the runner 120 s to hand its sessions over on SIGTERM', () => {
    expect(container().StopTimeout).toBe(120);
  });

  it('health-checks GET /health on the health port and tells the runner that port', () => {
    const { HealthCheck, Environment } = container();
    expect(HealthCheck.Command.join(' ')).toContain("fetch('http://127.0.0.1:8080/health')");
    // A new runner is healthy once it holds a slot, which may be after a stopping peer's 120 s handover.
    expect(HealthCheck).toMatchObject({ Interval: 15, Retries: 3, Timeout: 5 });
    expect(HealthCheck.StartPeriod).toBeGreaterThan(120 + 60);
    expect(Environment).toContainEqual({ Name: 'HEALTH_PORT', Value: '8080' });
  });

  it('runs with a read-only root filesystem, a scratch /tmp and non-blocking CloudWatch logs', () => {
    expect(container()).toMatchObject({
      ReadonlyRootFilesystem: true,
      MountPoints: [{ ContainerPath: '/tmp', SourceVolume: 'tmp', ReadOnly: false }],
      LogConfiguration: { LogDriver: 'awslogs', Options: expect.objectContaining({ mode: 'non-blocking' }) },
    });
  });

  it('is told every resource it uses, the slot count and the metrics namespace', () => {
    const names = container().Environment.map((variable: { Name: string }) => variable.Name);
    expect(names).toEqual(
      expect.arrayContaining([
        'LEASES_TABLE',
        'SESSIONS_TABLE',
        'COMMANDS_TABLE',
        'AUTH_TABLE',
        'COMMANDS_QUEUE_URL_TEMPLATE',
        'SLOT_COUNT',
        'EVENTS_QUEUE_URL',
        'CREDENTIALS_BUCKET',
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_METRICS_NAMESPACE',
      ]),
    );
    expect(container().Environment).toContainEqual({ Name: 'SLOT_COUNT', Value: '12' });
    expect(container().Environment).toContainEqual({ Name: 'POWERTOOLS_SERVICE_NAME', Value: 'socket-runner' });
  });
});

describe('runner service', () => {
  it('rolls deploys over so new runners can take the slots old ones release, and rolls back deploys that never turn healthy', () => {
    runner.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 3,
      DeploymentConfiguration: {
        MinimumHealthyPercent: 50,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
      EnableExecuteCommand: false,
    });
  });

  it('enables Container Insights on the cluster (runners-below-desired alarm)', () => {
    runner.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  it('scales between the minimum and the slot count on average SessionsPerRunner', () => {
    runner.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 12, ScalableDimension: 'ecs:service:DesiredCount' });
    runner.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 100,
        ScaleInCooldown: 600,
        ScaleOutCooldown: 120,
        CustomizedMetricSpecification: {
          Namespace: 'WaFleet',
          MetricName: 'SessionsPerRunner',
          Dimensions: [{ Name: 'service', Value: 'socket-runner' }],
          Statistic: 'Average',
        },
      },
    });
  });

  it('accepts no inbound traffic and may only open TCP 443', () => {
    const groups = Object.values(runner.findResources('AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0]!.Properties.SecurityGroupIngress).toBeUndefined();
    expect(groups[0]!.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    runner.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  it('by default sits in public subnets with public IPs and no NAT gateway', () => {
    runner.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
    runner.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('reaches DynamoDB and S3 through gateway endpoints and records VPC flow logs', () => {
    const endpoints = Object.values(runner.findResources('AWS::EC2::VPCEndpoint')).map((endpoint) => JSON.stringify(endpoint.Properties.ServiceName));
    expect(endpoints.some((name) => name.includes('.dynamodb'))).toBe(true);
    expect(endpoints.some((name) => name.includes('.s3'))).toBe(true);
    runner.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', ResourceType: 'VPC' });
  });
});

describe('private network mode', () => {
  it('puts runners in private subnets behind the configured NAT gateways, without public IPs', () => {
    const privateMode = synthFleet({ context: { runnerNetwork: 'private', natGateways: 2 } });
    try {
      const template = privateMode.template(privateMode.fleet.runner);
      template.resourceCountIs('AWS::EC2::NatGateway', 2);
      template.hasResourceProperties('AWS::ECS::Service', {
        NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      });
      const subnets = template.toJSON().Resources;
      const serviceSubnets = JSON.stringify(
        Object.values(template.findResources('AWS::ECS::Service'))[0]!.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets,
      );
      for (const [id, resource] of Object.entries(subnets) as [string, { Type: string; Properties: { MapPublicIpOnLaunch?: boolean } }][]) {
        if (resource.Type === 'AWS::EC2::Subnet' && serviceSubnets.includes(id)) expect(resource.Properties.MapPublicIpOnLaunch).toBe(false);
      }
    } finally {
      privateMode.dispose();
    }
  });
});
