/**
 * cdk-nag (v3, on CDK's native policy validation) for the whole app: AwsSolutions checks run on every synth
 * and any unacknowledged finding, error or warning, fails it.
 *
 * cdk-nag v3 acknowledges findings by exact id, and IAM5's ids embed logical ids and import tokens
 * (`AwsSolutions-IAM5[Resource::<...Table....Arn>/index/*]`). Writing those by hand would be brittle, so
 * `acknowledgeFindings` takes a pattern instead: right before the checks run (on the final tree, with
 * cross-stack references resolved), the same cdk-nag rule is evaluated on each resource under the scope and
 * exactly the findings the pattern matches are acknowledged, each with its reason. Anything the pattern does
 * not match still fails the synth.
 */
import { CfnResource, Validations, type App, type IPolicyValidationContext, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks, rules } from 'cdk-nag';

export interface FindingPattern {
  /** Matches the finding inside the brackets, e.g. `Resource::<X.Arn>/index/*`. */
  readonly finding: RegExp;
  readonly reason: string;
}

/** Rules whose findings are acknowledged by pattern, with the cdk-nag rule that produces them. */
const PATTERN_RULES = {
  'AwsSolutions-IAM5': rules.iam.IAMNoWildcardPermissions,
} as const;

type PatternRuleId = keyof typeof PATTERN_RULES;

const registrations = new WeakMap<IConstruct, { ruleId: PatternRuleId; pattern: FindingPattern }[]>();

/** Acknowledges a whole rule on a construct and everything under it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Acknowledges the findings of `ruleId` under `scope` that match one of the patterns. */
export function acknowledgeFindings(scope: IConstruct, ruleId: PatternRuleId, patterns: readonly FindingPattern[]): void {
  const existing = registrations.get(scope) ?? [];
  for (const pattern of patterns) {
    if (!existing.some((entry) => entry.ruleId === ruleId && entry.pattern.finding.source === pattern.finding.source)) {
      existing.push({ ruleId, pattern });
    }
  }
  registrations.set(scope, existing);
}

/** Walks the tree and acknowledges every registered pattern's matching findings. */
export function acknowledgePatterns(root: IConstruct): void {
  for (const node of root.node.findAll()) {
    if (!CfnResource.isCfnResource(node)) continue;
    const applicable = [];
    for (let scope: IConstruct | undefined = node; scope; scope = scope.node.scope) applicable.push(...(registrations.get(scope) ?? []));
    if (!applicable.length) continue;
    for (const ruleId of new Set(applicable.map((entry) => entry.ruleId))) {
      const result = PATTERN_RULES[ruleId](node);
      if (!Array.isArray(result)) continue;
      for (const finding of result) {
        const match = applicable.find((entry) => entry.ruleId === ruleId && entry.pattern.finding.test(finding));
        if (match) acknowledge(node, `${ruleId}[${finding}]`, match.pattern.reason);
      }
    }
  }
}

/** AwsSolutions checks that first apply the pattern acknowledgments. */
export class FleetNagChecks extends AwsSolutionsChecks {
  override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    acknowledgePatterns((context as IPolicyValidationContext & { appConstruct: IConstruct }).appConstruct);
    return super.validate(context);
  }

  override validateScope(scope: IConstruct): PolicyValidationPluginReport {
    acknowledgePatterns(scope);
    return super.validateScope(scope);
  }
}

/** Registers the AwsSolutions pack (verbose messages, pattern acknowledgments) on the app. */
export function enableNag(app: App): void {
  Validations.of(app).addPlugins(new FleetNagChecks(app, { verbose: true }));
}
