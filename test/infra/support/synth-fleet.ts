/**
 * Synthesizes the whole wa-fleet CDK app the way `cdk synth` does (cdk.json's context: settings and feature
 * flags), with overrides, into a throwaway directory. By default it skips what is slow and covered once
 * elsewhere: esbuild bundling of the functions and CloudFormation's built-in template validation (both run
 * for real in bundling.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT, buildFleet, type Fleet } from '../../../infra/fleet.ts';

export interface SynthOptions {
  /** Context overrides, as `-c key=value` would give them. */
  readonly context?: Record<string, unknown>;
  /** Bundle the functions with esbuild (default false). */
  readonly bundle?: boolean;
  /** Run CloudFormation's built-in template validation (default false). */
  readonly validate?: boolean;
  /** Register cdk-nag on the app, so synth fails on findings (default false). */
  readonly nag?: boolean;
}

export interface SynthesizedFleet {
  readonly app: App;
  readonly fleet: Fleet;
  readonly assembly: CloudAssembly;
  template(stack: Stack): Template;
  /** The logical id of a construct's CloudFormation resource inside its stack. */
  logicalId(construct: IConstruct): string;
  dispose(): void;
}

export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context;
}

export function synthFleet(options: SynthOptions = {}): SynthesizedFleet {
  const outdir = mkdtempSync(path.join(tmpdir(), 'wa-fleet-cdk-'));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: options.validate ?? false,
    context: {
      ...cdkJsonContext(),
      ...options.context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const fleet = buildFleet(app, { nag: options.nag ?? false });
  const assembly = app.synth();
  const templates = new Map<Stack, Template>();
  return {
    app,
    fleet,
    assembly,
    template(stack) {
      let template = templates.get(stack);
      if (!template) templates.set(stack, (template = Template.fromStack(stack)));
      return template;
    },
    logicalId(construct) {
      const resource = (construct.node.defaultChild ?? construct) as CfnElement;
      return Stack.of(resource).resolve(resource.logicalId) as string;
    },
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
