import { type Acknowledgment, type Stage, Token, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag's AWS Solutions and Serverless packs, registered as policy validation plugins of `app` (cdk-nag 3). They run
 * once the cloud assembly is written: every finding not acknowledged on its resource, or on a construct above it, is
 * a violation in `cdk.out/validation-report.json`, and any violation, error or warning, fails synthesis (`cdk synth`
 * exits 1; an in-memory synth, as in a test, throws). Each acknowledgement is also written into its resource's
 * template metadata as `cdk_nag.rules_to_suppress`, so the deployed template keeps the reason next to the resource.
 * Returns the packs, whose `validateScope(app)` reports the same findings without a synth.
 */
export const addComplianceChecks = (app: Stage): NagPack[] => {
  const packs = [
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
    new ServerlessChecks(app, { verbose: true }),
  ];
  Validations.of(app).addPlugins(...packs);
  return packs;
};

/**
 * Acknowledges cdk-nag findings on the CloudFormation resource of `construct` (its default child, or the construct
 * itself when it is one) and on nothing else, whereas `Validations.of(x).acknowledge()` also covers every resource
 * below `x`. A rule that reports one finding per wildcard (AwsSolutions-IAM4, AwsSolutions-IAM5) is acknowledged one
 * finding at a time, as `Rule[finding]`: there is no pattern and no rule-wide form for it.
 */
export const acknowledge = (construct: IConstruct, ...rules: Acknowledgment[]): void => {
  Validations.of(construct.node.defaultChild ?? construct).acknowledge(...rules);
};

/**
 * A part of an ARN as cdk-nag writes it in a finding: the value itself when the stack knows it (an environment with
 * its account and region), `<AWS::Region>` and the like when it is the pseudo parameter.
 */
export const nagPart = (value: string, pseudoParameter: string): string =>
  Token.isUnresolved(value) ? `<${pseudoParameter}>` : value;
