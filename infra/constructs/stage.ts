import { RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';

export const deploymentStages = ['dev', 'prod'] as const;

/** Where the stack runs. `prod` keeps what `dev` may throw away; data tables are kept in both. */
export type DeploymentStage = (typeof deploymentStages)[number];

const isDeploymentStage = (value: unknown): value is DeploymentStage =>
  deploymentStages.some((stage) => stage === value);

/** The `stage` context value (`cdk synth -c stage=prod`), `dev` when absent; anything else is a mistake, not a stage. */
export const stageFromContext = (node: Node): DeploymentStage => {
  const value: unknown = node.tryGetContext('stage') ?? 'dev';
  if (!isDeploymentStage(value)) {
    throw new Error(`Context "stage" must be one of ${deploymentStages.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return value;
};

/**
 * A number from context: `-c key=50` arrives as a string, cdk.json and tests pass a number. A value that is set but not
 * a positive number stops the synth instead of silently falling back.
 */
export const numberFromContext = (node: Node, key: string, fallback: number): number => {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  const parsed = typeof value === 'string' ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new Error(`Context "${key}" must be a positive number; got ${JSON.stringify(value)}`);
  }
  return parsed;
};

/** Log groups of a `dev` stack go with it; `prod` keeps them for the investigation that follows a deletion. */
export const logRemovalPolicy = (stage: DeploymentStage): RemovalPolicy =>
  stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

/** A flag from context: `-c key=false` arrives as a string, cdk.json and tests pass a boolean. */
export const booleanFromContext = (node: Node, key: string, fallback: boolean): boolean => {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context "${key}" must be true or false; got ${JSON.stringify(value)}`);
};
