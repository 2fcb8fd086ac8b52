import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from './constructs/compliance';
import { addGateway } from './constructs/gateway';
import { stageFromContext } from './constructs/stage';

/**
 * The CDK app: `cdk synth -c stage=prod` (default `dev`) builds `BillingGateway-<stage>` in the CLI's region (or
 * `-c region=…`; us-east-1 when neither is set) and `BillingGatewayFrontDoor-<stage>` in us-east-1.
 */
const app = new App();
const stage = stageFromContext(app.node);
const region =
  (app.node.tryGetContext('region') as string | undefined) ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1';

addGateway(app, stage, { account: process.env.CDK_DEFAULT_ACCOUNT, region });
addComplianceChecks(app);
