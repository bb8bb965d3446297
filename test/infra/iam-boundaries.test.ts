// IAM boundaries between workloads (D10): read from the synthesized policies of every stack, with each
// cross-stack reference resolved back to the stateful resource it names. Only the runner's task role may
// touch WhatsApp credentials (auth table, credentials bucket, credentials key); the API never does; the
// webhook functions cannot reach the command queues; the authorizer can only read tenants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { synthFleet, type SynthesizedFleet } from './support/synth-fleet.ts';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
}

let synthesized: SynthesizedFleet;
/** Statements per role, keyed `stackName/RoleLogicalId`, with stateful references replaced by `stateful:<LogicalId>`. */
let statementsByRole: Map<string, Statement[]>;

beforeAll(() => {
  synthesized = synthFleet();
  const { fleet } = synthesized;
  const statefulOutputs = synthesized.template(fleet.stateful).toJSON().Outputs as Record<string, { Value: unknown }>;
  const resolveStateful = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolveStateful);
    if (!value || typeof value !== 'object') return value;
    const reference = (value as Record<string, { StackName?: string; OutputName?: string }>)['Fn::GetStackOutput'];
    if (reference?.StackName === fleet.stateful.stackName) {
      const output = JSON.stringify(statefulOutputs[reference.OutputName!]!.Value);
      return `stateful:${/"(?:Ref|Fn::GetAtt)":\[?"([A-Za-z0-9]+)"/.exec(output)![1]}`;
    }
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolveStateful(inner)]));
  };

  statementsByRole = new Map();
  for (const stack of [fleet.stateful, fleet.api, fleet.workers, fleet.runner, fleet.observability] as Stack[]) {
    for (const policy of Object.values(synthesized.template(stack).findResources('AWS::IAM::Policy'))) {
      const statements = resolveStateful(policy.Properties.PolicyDocument.Statement) as Statement[];
      for (const role of policy.Properties.Roles as { Ref: string }[]) {
        const key = `${stack.stackName}/${role.Ref}`;
        statementsByRole.set(key, [...(statementsByRole.get(key) ?? []), ...statements]);
      }
    }
  }
});
afterAll(() => synthesized.dispose());

const roleKey = (stack: Stack, role: IConstruct) => `${stack.stackName}/${synthesized.logicalId(role)}`;
const statementsOf = (stack: Stack, role: IConstruct) => statementsByRole.get(roleKey(stack, role)) ?? [];
const stateful = (construct: IConstruct) => `stateful:${synthesized.logicalId(construct)}`;
const actions = (statement: Statement) => [statement.Action].flat();
/** Allowed actions of a role on anything whose resource text contains `needle`. */
const allowedOn = (statements: Statement[], needle: string) =>
  statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes(needle)).flatMap(actions);

const roles = () => {
  const { fleet } = synthesized;
  return {
    api: [fleet.api, fleet.api.apiFunction.role!],
    authorizer: [fleet.api, fleet.api.authorizerFunction.role!],
    webhooks: [fleet.workers, fleet.workers.webhooksFunction.role!],
    webhookRetry: [fleet.workers, fleet.workers.webhookRetryFunction.role!],
    scheduler: [fleet.workers, fleet.workers.schedulerFunction.role!],
    alarms: [fleet.observability, fleet.observability.alarmsFunction.role!],
    runnerTask: [fleet.runner, fleet.runner.taskDefinition.taskRole],
  } as const satisfies Record<string, readonly [Stack, IConstruct]>;
};

describe('WhatsApp credentials', () => {
  it('are reachable by the runner task role and by no other role of any stack', () => {
    const { resources } = synthesized.fleet.stateful;
    const sensitive = [resources.tables.auth, resources.buckets.credentials, resources.credentialsKey].map(stateful);
    const runnerKey = roleKey(...roles().runnerTask);
    const holders = [...statementsByRole.entries()]
      .filter(([, statements]) => sensitive.some((needle) => allowedOn(statements, needle).length > 0))
      .map(([key]) => key);

    expect(statementsByRole.size).toBeGreaterThan(7);
    expect(holders).toEqual([runnerKey]);
  });

  it('are read and written by the runner: auth items, backups, and the key that encrypts them', () => {
    const { resources } = synthesized.fleet.stateful;
    const runner = statementsOf(...roles().runnerTask);

    expect(allowedOn(runner, stateful(resources.tables.auth))).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query']),
    );
    expect(allowedOn(runner, stateful(resources.buckets.credentials))).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:PutObject', 's3:DeleteObject*', 's3:List*']));
    expect(allowedOn(runner, stateful(resources.credentialsKey))).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
  });

  it('are never named in a function environment', () => {
    for (const [name, [stack]] of Object.entries(roles())) {
      if (name === 'runnerTask') continue;
      for (const fn of Object.values(synthesized.template(stack).findResources('AWS::Lambda::Function'))) {
        expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('AUTH_TABLE');
        expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('CREDENTIALS_BUCKET');
      }
    }
  });
});

describe('the API function', () => {
  it('cannot read the auth table, the credentials bucket or the credentials key', () => {
    const { resources } = synthesized.fleet.stateful;
    const api = statementsOf(...roles().api);
    expect(api.length).toBeGreaterThan(0);
    for (const needle of [resources.tables.auth, resources.buckets.credentials, resources.credentialsKey].map(stateful)) {
      expect(allowedOn(api, needle)).toEqual([]);
    }
  });

  it('may send to the slot queues but not consume them', () => {
    const slotActions = allowedOn(statementsOf(...roles().api), '-commands-*');
    expect(slotActions).toContain('sqs:SendMessage');
    expect(slotActions).not.toContain('sqs:ReceiveMessage');
    expect(slotActions).not.toContain('sqs:DeleteMessage');
  });
});

describe('the webhook functions', () => {
  it.each(['webhooks', 'webhookRetry'] as const)('%s cannot touch any command queue or the commands table', (name) => {
    const { resources } = synthesized.fleet.stateful;
    const statements = statementsOf(...roles()[name]);
    const commandQueues = [...resources.queues.slotQueues, ...resources.queues.slotDeadLetterQueues].map(stateful);

    expect(statements.length).toBeGreaterThan(0);
    expect(JSON.stringify(statements)).not.toContain('-commands-');
    for (const needle of [...commandQueues, stateful(resources.tables.commands)]) expect(allowedOn(statements, needle)).toEqual([]);
  });
});

describe('the authorizer', () => {
  it('can only read the tenants table', () => {
    const statements = statementsOf(...roles().authorizer);
    const tenants = stateful(synthesized.fleet.stateful.resources.tables.tenants);
    const dataActions = statements.flatMap(actions).filter((action) => action.startsWith('dynamodb:') || action.startsWith('sqs:') || action.startsWith('s3:'));

    expect(allowedOn(statements, tenants)).toContain('dynamodb:GetItem');
    expect(dataActions.filter((action) => /Put|Update|Delete|Write|Send/.test(action))).toEqual([]);
    for (const statement of statements.filter((s) => actions(s).some((action) => action.startsWith('dynamodb:')))) {
      expect(JSON.stringify(statement.Resource)).toContain(tenants);
    }
  });
});

describe('slot queue access by name pattern', () => {
  it('always comes with an explicit deny on the slot dead-letter queues', () => {
    for (const [name, [stack, role]] of Object.entries(roles())) {
      const statements = statementsOf(stack, role);
      const grants = statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes('-commands-*'));
      if (!grants.length) continue;
      const denies = statements.filter((s) => s.Effect === 'Deny' && JSON.stringify(s.Resource).includes('-commands-*-dlq.fifo'));
      expect(denies, name).toHaveLength(1);
      expect(actions(denies[0]!).sort(), name).toEqual(grants.flatMap(actions).sort());
    }
  });

  it('is given to exactly the roles that enqueue or consume commands', () => {
    const withSlotAccess = Object.entries(roles())
      .filter(([, [stack, role]]) => allowedOn(statementsOf(stack, role), '-commands-*').length > 0)
      .map(([name]) => name);
    expect(withSlotAccess.sort()).toEqual(['api', 'runnerTask', 'scheduler']);
    expect(allowedOn(statementsOf(...roles().runnerTask), '-commands-*')).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage']));
  });
});
