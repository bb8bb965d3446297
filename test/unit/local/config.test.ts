import { describe, expect, it } from 'vitest';
import { readLocalConfig } from '../../../local/config.ts';
import { StartupError } from '../../../local/startup-error.ts';

describe('readLocalConfig', () => {
  it('has working defaults for a bare `npm start`', () => {
    expect(readLocalConfig({}, '/repo')).toEqual({
      port: 3000,
      dataDir: '/repo/.wa-fleet',
      localRunners: 1,
      runnerRestart: true,
      slotCount: 4,
      tickSeconds: 60,
      emulatorPorts: { dynamodb: 0, sqs: 0, s3: 0 },
      simulator: { enabled: false, port: 3100 },
      webhookAllowLoopback: undefined,
      authorizerCacheSeconds: 30,
      logLevel: 'INFO',
      adminApiKey: undefined,
    });
  });

  it('reads every setting, treating empty variables as unset', () => {
    const config = readLocalConfig(
      {
        PORT: '0',
        DATA_DIR: '/data/wa',
        LOCAL_RUNNERS: '0',
        LOCAL_RUNNER_RESTART: 'false',
        SLOT_COUNT: '2',
        TICK_SECONDS: '5',
        DYNAMODB_PORT: '8000',
        SQS_PORT: '',
        WA_SIMULATOR: 'true',
        SIM_PORT: '0',
        WEBHOOK_ALLOW_LOOPBACK: 'true',
        LOG_LEVEL: 'debug',
      },
      '/repo',
    );
    expect(config).toMatchObject({
      port: 0,
      dataDir: '/data/wa',
      localRunners: 0,
      runnerRestart: false,
      slotCount: 2,
      tickSeconds: 5,
      emulatorPorts: { dynamodb: 8000, sqs: 0, s3: 0 },
      simulator: { enabled: true, port: 0 },
      webhookAllowLoopback: true,
      logLevel: 'DEBUG',
    });
  });

  it.each([
    [{ PORT: 'http' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOCAL_RUNNERS: '-1' }, 'LOCAL_RUNNERS'],
    [{ LOCAL_RUNNERS: '5', SLOT_COUNT: '4' }, 'LOCAL_RUNNERS'],
    [{ WA_SIMULATOR: 'perhaps' }, 'WA_SIMULATOR'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY'],
  ])('refuses %o with one line naming %s', (env, setting) => {
    let thrown: unknown;
    try {
      readLocalConfig(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StartupError);
    expect((thrown as StartupError).setting).toBe(setting);
    expect((thrown as StartupError).message).toMatch(new RegExp(`^${setting}: .+`));
    expect((thrown as StartupError).message).not.toContain('\n');
  });

  it('never echoes a refused admin key', () => {
    expect(() => readLocalConfig({ ADMIN_API_KEY: 'tooshort-secret' })).toThrow(/^ADMIN_API_KEY: must be at least 24 characters$/);
  });
});
