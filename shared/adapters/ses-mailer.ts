import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Email, Mailer } from '../users/ports';

/**
 * Sends through Amazon SES v2 from one verified sender, with a configuration set when one is given. The client takes
 * its endpoint from AWS_ENDPOINT_URL_SESV2 (or AWS_ENDPOINT_URL), so the local stack's mail catcher gets the very same
 * requests SES would.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly from: string,
    private readonly configurationSet?: string,
  ) {}

  async send({ to, subject, text }: Email): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: subject, Charset: 'UTF-8' },
            Body: { Text: { Data: text, Charset: 'UTF-8' } },
          },
        },
        ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
      }),
    );
  }
}

export const createSesClient = (): SESv2Client => new SESv2Client({});
