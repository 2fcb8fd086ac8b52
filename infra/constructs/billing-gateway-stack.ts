import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { serviceName } from './function';
import { Handlers } from './handlers';
import { HttpApi } from './http-api';
import { Ledger } from './ledger';
import type { DeploymentStage } from './stage';

export interface BillingGatewayStackProps extends StackProps {
  stage: DeploymentStage;
}

/**
 * The whole gateway of one stage, composed of constructs named for what they hold.
 * Defaults: termination protection in `prod`; every resource tagged with the service and the stage.
 */
export class BillingGatewayStack extends Stack {
  readonly ledger: Ledger;
  readonly handlers: Handlers;
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, { stage, ...props }: BillingGatewayStackProps) {
    super(scope, id, { terminationProtection: stage === 'prod', ...props });
    Tags.of(this).add('service', serviceName);
    Tags.of(this).add('stage', stage);

    this.ledger = new Ledger(this, 'Ledger', { stage });
    this.handlers = new Handlers(this, 'Handlers', { stage, ledger: this.ledger });
    this.httpApi = new HttpApi(this, 'HttpApi', { stage, handlers: this.handlers });
  }
}
