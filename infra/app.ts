import { App } from 'aws-cdk-lib';
import { BillingGatewayStack } from './constructs/billing-gateway-stack';
import { addComplianceChecks } from './constructs/compliance';
import { stageFromContext } from './constructs/stage';

/** The CDK app: `cdk synth -c stage=prod` (default `dev`) builds the one stack `BillingGateway-<stage>`. */
const app = new App();
const stage = stageFromContext(app.node);

new BillingGatewayStack(app, `BillingGateway-${stage}`, {
  stage,
  description: `Billing gateway (${stage}): ledger, HTTP and WebSocket APIs, payment pipeline and alarms`,
});
addComplianceChecks(app);
