// cdk-nag AwsSolutions checks over the whole app: zero unacknowledged findings (errors and warnings) with the
// default settings and with every optional branch switched on; every acknowledgment carries a reason; and the
// checks still catch what they should (an insecure bucket, a wildcard grant no pattern covers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Validations, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { buildFleet } from '../../infra/fleet.ts';
import { FleetNagChecks } from '../../infra/nag.ts';
import { cdkJsonContext, synthFleet, type SynthesizedFleet } from './support/synth-fleet.ts';

const disposers: (() => void)[] = [];
afterAll(() => disposers.forEach((dispose) => dispose()));

function findings(report: PolicyValidationPluginReport): string[] {
  return report.violations.map((violation) => `${violation.severity} ${violation.ruleName} @ ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

function synthWithNag(context: Record<string, unknown> = {}): SynthesizedFleet {
  const synthesized = synthFleet({ context, nag: true }); // synth itself fails on any finding
  disposers.push(synthesized.dispose);
  return synthesized;
}

describe('AwsSolutions checks', () => {
  let defaults: SynthesizedFleet;
  beforeAll(() => {
    defaults = synthWithNag();
  });

  it('report nothing unacknowledged with the default settings', () => {
    const { app } = defaults;
    const report = new FleetNagChecks().validateScope(app);

    expect(findings(report)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('report nothing unacknowledged with private networking, tracing, CORS and both ops channels on', () => {
    const { app } = synthWithNag({
      runnerNetwork: 'private',
      tracing: true,
      importCorsOrigins: ['https://app.example.com'],
      opsEmail: 'ops@example.com',
      opsWebhookUrlParameter: '/wa-fleet/ops-webhook-url',
    });

    expect(findings(new FleetNagChecks().validateScope(app))).toEqual([]);
  });

  it('acknowledge every finding with a specific reason', () => {
    const { app } = defaults;
    const acknowledgments: [string, string][] = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          // CDK's own constructs acknowledge a few CloudFormation-Validate rules; ours are the AwsSolutions ones.
          acknowledgments.push(...Object.entries(entry.data as Record<string, string>).filter(([id]) => id.includes('AwsSolutions-')));
        }
      }
      construct.node.children.forEach(visit);
    };
    visit(app);

    expect(acknowledgments.length).toBeGreaterThan(10);
    for (const [id, reason] of acknowledgments) {
      expect(reason.length, id).toBeGreaterThanOrEqual(40);
    }
  });
});

describe('the checks still bite', () => {
  function fleetWithExtras(addExtras: (app: App, fleet: ReturnType<typeof buildFleet>) => void): PolicyValidationPluginReport {
    const app = new App({ builtinCloudFormationValidation: false, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const fleet = buildFleet(app, { nag: false });
    addExtras(app, fleet);
    app.synth();
    return new FleetNagChecks().validateScope(app);
  }

  it('flag an unhardened bucket', () => {
    const report = fleetWithExtras((_app, fleet) => new s3.Bucket(fleet.stateful, 'Careless', { enforceSSL: false }));
    const rules = report.violations.map((violation) => violation.ruleName);

    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });

  it('flag a wildcard grant that no acknowledged pattern covers, even on an acknowledged role', () => {
    const report = fleetWithExtras((_app, fleet) =>
      fleet.api.apiFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] })),
    );

    expect(findings(report)).toEqual(
      expect.arrayContaining([expect.stringContaining('AwsSolutions-IAM5[Action::dynamodb:*]'), expect.stringContaining('AwsSolutions-IAM5[Resource::*]')]),
    );
  });
});
