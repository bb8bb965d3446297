// Deployment settings: cdk.json spells out the documented defaults, `-c` strings are coerced, and anything
// that would deploy something odd fails the synth with the setting's name.
import { describe, expect, it } from 'vitest';
import { SETTING_KEYS, readSettings } from '../../infra/settings.ts';
import { cdkJsonContext } from './support/synth-fleet.ts';

const fromContext = (context: Record<string, unknown>) => readSettings((key) => context[key]);

describe('deployment settings', () => {
  it('spells out every setting in cdk.json, with exactly the schema defaults', () => {
    const context = cdkJsonContext();
    const defaults = fromContext({});

    expect(SETTING_KEYS.filter((key) => !(key in context))).toEqual(['opsEmail', 'opsWebhookUrlParameter']);
    expect(fromContext(context)).toEqual(defaults);
  });

  it('documents the defaults the README promises', () => {
    const settings = fromContext({});

    expect(settings).toMatchObject({
      name: 'wa-fleet',
      slotCount: 10,
      runnerCpu: 1024,
      runnerMemoryMiB: 2048,
      minRunners: 2,
      sessionsPerRunnerTarget: 100,
      runnerNetwork: 'public',
      adminApiKeyHashParameter: '/wa-fleet/admin-api-key-sha256',
      tracing: false,
    });
    expect(settings.opsEmail).toBeUndefined();
  });

  it('coerces the strings `cdk -c key=value` passes', () => {
    const settings = fromContext({
      slotCount: '25',
      tracing: 'true',
      runnerNetwork: 'private',
      importCorsOrigins: 'https://app.example.com, https://admin.example.com',
      opsEmail: 'ops@example.com',
    });

    expect(settings.slotCount).toBe(25);
    expect(settings.tracing).toBe(true);
    expect(settings.runnerNetwork).toBe('private');
    expect(settings.importCorsOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
    expect(settings.opsEmail).toBe('ops@example.com');
  });

  it.each([
    [{ slotCount: '1' }, 'slotCount'],
    [{ runnerCpu: 1000 }, 'runnerCpu'],
    [{ runnerCpu: 512, runnerMemoryMiB: 8192 }, 'runnerMemoryMiB'],
    [{ minRunners: 11 }, 'minRunners cannot exceed slotCount'],
    [{ runnerNetwork: 'nat' }, 'runnerNetwork'],
    [{ name: 'Wa_Fleet' }, 'name'],
    [{ logRetentionDays: 10 }, 'logRetentionDays'],
    [{ tracing: 'yes' }, 'tracing'],
    [{ opsEmail: 'not-an-address' }, 'opsEmail'],
    [{ adminApiKeyHashParameter: 'no-leading-slash' }, 'adminApiKeyHashParameter'],
  ])('refuses %o loudly, naming the setting', (context, expected) => {
    expect(() => fromContext(context)).toThrow(expected);
  });

  it('accepts an empty optional setting as unset', () => {
    expect(fromContext({ opsEmail: '', opsWebhookUrlParameter: ' ' })).toMatchObject({ opsEmail: undefined, opsWebhookUrlParameter: undefined });
  });
});
