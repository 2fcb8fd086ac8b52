import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type QueueName, queues } from '../../functions/manifest';
import { type TableName, tables } from '../../shared/adapters/tables';
import { serviceName } from './function';
import { PaymentEvents } from './event-bus';
import { Handlers } from './handlers';
import { HttpApi } from './http-api';
import { Ledger } from './ledger';
import { Mail } from './mail';
import { Monitoring } from './monitoring';
import { pascalCase } from './names';
import { PaymentPipeline } from './payment-pipeline';
import { Realtime } from './realtime';
import type { DeploymentStage } from './stage';

export interface BillingGatewayStackProps extends StackProps {
  stage: DeploymentStage;
}

/**
 * The whole gateway of one stage, composed of constructs named for what they hold.
 * Defaults: termination protection in `prod`; every resource tagged with the service and the stage; outputs for the two
 * API URLs, every table name (`UsersTable`, …, what `npm run admin:create` needs), every queue URL, the event bus and the
 * alarm topic.
 */
export class BillingGatewayStack extends Stack {
  readonly ledger: Ledger;
  readonly handlers: Handlers;
  readonly httpApi: HttpApi;
  readonly pipeline: PaymentPipeline;
  readonly realtime: Realtime;
  readonly events: PaymentEvents;
  readonly mail: Mail;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, { stage, ...props }: BillingGatewayStackProps) {
    super(scope, id, { terminationProtection: stage === 'prod', ...props });
    Tags.of(this).add('service', serviceName);
    Tags.of(this).add('stage', stage);

    this.ledger = new Ledger(this, 'Ledger', { stage });
    this.handlers = new Handlers(this, 'Handlers', { stage, ledger: this.ledger });
    this.httpApi = new HttpApi(this, 'HttpApi', { stage, handlers: this.handlers });
    this.pipeline = new PaymentPipeline(this, 'PaymentPipeline', { handlers: this.handlers });
    this.realtime = new Realtime(this, 'Realtime', { stage, handlers: this.handlers, ledger: this.ledger });
    this.events = new PaymentEvents(this, 'PaymentEvents', { handlers: this.handlers });
    this.mail = new Mail(this, 'Mail', { handlers: this.handlers });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage,
      handlers: this.handlers,
      httpApi: this.httpApi,
      pipeline: this.pipeline,
      realtime: this.realtime,
    });

    new CfnOutput(this, 'HttpApiUrl', {
      value: this.httpApi.stage.url,
      description: 'Base URL of the billing gateway HTTP API',
    });
    new CfnOutput(this, 'WebSocketUrl', {
      value: this.realtime.stage.url,
      description: 'URL of the billing gateway WebSocket API (connect with ?token=)',
    });
    for (const name of Object.keys(tables) as TableName[]) {
      new CfnOutput(this, `${pascalCase(name)}Table`, {
        value: this.ledger.table(name).tableName,
        description: `Name of the ${name} table (${tables[name].envVar})`,
      });
    }
    for (const name of Object.keys(queues) as QueueName[]) {
      new CfnOutput(this, `${pascalCase(name)}QueueUrl`, {
        value: this.pipeline.queue(name).queue.queueUrl,
        description: `URL of the ${name} queue (${queues[name].envVar})`,
      });
    }
    new CfnOutput(this, 'EventBusName', {
      value: this.events.bus.eventBusName,
      description: 'EventBridge bus every payment event is put on (source billing-gateway, detail-type its type)',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.topic.topicArn,
      description: 'SNS topic every alarm notifies: subscribe the on-call address to it',
    });
  }
}
