/**
 * CDK entry point (`cdk.json` "app"): builds the wa-fleet stacks from the settings in context. Account and
 * region come from the CLI's profile when there is one; without, the stacks stay environment-agnostic and
 * `npm run synth` works offline.
 */
import { App } from 'aws-cdk-lib';
import { buildFleet } from './fleet.ts';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
buildFleet(app, { env: account && region ? { account, region } : undefined });
app.synth();
