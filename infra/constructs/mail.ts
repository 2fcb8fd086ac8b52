import { Arn, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ConfigurationSet } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { mail } from '../../functions/manifest';
import type { Handlers } from './handlers';

export interface MailProps {
  handlers: Handlers;
}

/** The sender when context names none: SES refuses it until an operator sets `mailFrom` to a verified identity. */
export const defaultMailFrom = 'no-reply@example.com';

/**
 * Email through Amazon SES v2 for every function that `sendsMail`: the sender address comes from context `mailFrom`,
 * its SES identity from `mailIdentity` (by default the address's domain, as a domain identity), the configuration set
 * from `mailConfigurationSet` (by default one of this stack). Each such function may send as that identity with that
 * configuration set, and nothing else, and knows both from its environment.
 */
export class Mail extends Construct {
  readonly from: string;
  readonly identity: string;
  readonly configurationSetName: string;

  constructor(scope: Construct, id: string, { handlers }: MailProps) {
    super(scope, id);
    const context = (key: string): string | undefined => {
      const value: unknown = this.node.tryGetContext(key);
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    this.from = context('mailFrom') ?? defaultMailFrom;
    this.identity = context('mailIdentity') ?? this.from.slice(this.from.lastIndexOf('@') + 1);
    this.configurationSetName =
      context('mailConfigurationSet') ?? new ConfigurationSet(this, 'ConfigurationSet').configurationSetName;

    const stack = Stack.of(this);
    const arn = (resource: string, resourceName: string) =>
      Arn.format({ service: 'ses', resource, resourceName }, stack);
    const send = new PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [arn('identity', this.identity), arn('configuration-set', this.configurationSetName)],
    });
    for (const [, fn] of handlers.entries()) {
      if (!fn.spec.sendsMail) continue;
      fn.addToRolePolicy(send);
      fn.addEnvironment(mail.fromEnvVar, this.from);
      fn.addEnvironment(mail.configurationSetEnvVar, this.configurationSetName);
    }
  }
}
