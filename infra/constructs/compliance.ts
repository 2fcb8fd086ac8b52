import { Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag's AWS Solutions and Serverless packs over everything under `scope`. cdk-nag 2 (the line published before
 * the date the lockfile pins to) runs its packs as Aspects: each finding becomes an error or warning annotation, an
 * error fails `cdk synth`, and an acknowledgement (NagSuppressions) sits next to the resource it excuses.
 */
export const addComplianceChecks = (scope: IConstruct): void => {
  Aspects.of(scope).add(new AwsSolutionsChecks({ verbose: true }));
  Aspects.of(scope).add(new ServerlessChecks({ verbose: true }));
};
