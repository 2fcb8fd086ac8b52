import type { App } from 'aws-cdk-lib';
import { BillingGatewayStack } from './billing-gateway-stack';
import { FrontDoorStack } from './front-door-stack';
import type { DeploymentStage } from './stage';

/** Where a web ACL for CloudFront must be created (scope CLOUDFRONT), and so the front door's stack. */
export const FRONT_DOOR_REGION = 'us-east-1';

/**
 * The two stacks of one stage: `BillingGateway-<stage>` in the chosen region, and `BillingGatewayFrontDoor-<stage>`
 * (CloudFront, its web ACL, the console's bucket) in us-east-1, which reads the API URLs across regions (CDK's
 * cross-region references: SSM parameters that the gateway's stack writes into us-east-1).
 */
export const addGateway = (app: App, stage: DeploymentStage, env: { account?: string; region: string }) => {
  const gateway = new BillingGatewayStack(app, `BillingGateway-${stage}`, {
    stage,
    env,
    crossRegionReferences: true,
    description: `Billing gateway (${stage}): ledger, HTTP and WebSocket APIs, payment pipeline and alarms`,
  });
  const frontDoor = new FrontDoorStack(app, `BillingGatewayFrontDoor-${stage}`, {
    stage,
    env: { ...env, region: FRONT_DOOR_REGION },
    crossRegionReferences: true,
    httpApiUrl: gateway.httpApi.stage.url,
    webSocketUrl: gateway.realtime.stage.url,
    description: `Billing gateway (${stage}): CloudFront and its web ACL in front of the API and the operator console`,
  });
  return { gateway, frontDoor };
};
