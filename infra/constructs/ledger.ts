import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  CfnTable,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  type IndexDefinition,
  type KeyAttribute,
  type TableDefinition,
  type TableName,
  tables,
} from '../../shared/adapters/tables';
import { pascalCase } from './names';
import type { DeploymentStage } from './stage';

/** A table of the ledger, carrying the environment variable through which a function learns its name. */
export class LedgerTable extends Table {
  readonly envVar: string;

  constructor(
    scope: Construct,
    id: string,
    readonly definition: TableDefinition,
    props: TableProps,
  ) {
    super(scope, id, props);
    this.envVar = definition.envVar;
  }

  /** The table's logical id in the template, as cdk-nag names it in a finding. */
  get logicalId(): string {
    const resource = this.node.defaultChild;
    if (!(resource instanceof CfnTable)) throw new Error(`${this.node.path} has no CfnTable`);
    return Stack.of(this).getLogicalId(resource);
  }
}

export interface LedgerProps {
  stage: DeploymentStage;
}

const attribute = ({ name, type }: KeyAttribute) => ({
  name,
  type: type === 'N' ? AttributeType.NUMBER : AttributeType.STRING,
});

const projection = ({ projection: p }: IndexDefinition) => {
  switch (p.type) {
    case 'KEYS_ONLY':
      return { projectionType: ProjectionType.KEYS_ONLY };
    case 'ALL':
      return { projectionType: ProjectionType.ALL };
    case 'INCLUDE':
      return { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...p.attributes] };
  }
};

const streamView = (stream: TableDefinition['stream']): StreamViewType | undefined => {
  switch (stream) {
    case 'NEW_IMAGE':
      return StreamViewType.NEW_IMAGE;
    case 'NEW_AND_OLD_IMAGES':
      return StreamViewType.NEW_AND_OLD_IMAGES;
    case undefined:
      return undefined;
  }
};

/**
 * Every DynamoDB table of `shared/adapters/tables.ts`, nothing listed by hand.
 * Defaults: on-demand billing, point-in-time recovery, AWS-managed encryption, `RemovalPolicy.RETAIN` in every stage,
 * deletion protection in `prod`, TTL and streams exactly where the definition asks for them.
 */
export class Ledger extends Construct {
  private readonly byName = new Map<TableName, LedgerTable>();

  constructor(scope: Construct, id: string, { stage }: LedgerProps) {
    super(scope, id);
    for (const name of Object.keys(tables) as TableName[]) {
      const definition: TableDefinition = tables[name];
      const table = new LedgerTable(this, pascalCase(name), definition, {
        partitionKey: attribute(definition.partitionKey),
        sortKey: definition.sortKey && attribute(definition.sortKey),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: definition.timeToLiveAttribute,
        stream: streamView(definition.stream),
        // A ledger outlives its stack: deleting the stack (or a logical id change) must never delete balances.
        removalPolicy: RemovalPolicy.RETAIN,
        deletionProtection: stage === 'prod',
      });
      for (const index of definition.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: attribute(index.partitionKey),
          sortKey: index.sortKey && attribute(index.sortKey),
          ...projection(index),
        });
      }
      this.byName.set(name, table);
    }
  }

  /** The table created from `tables[name]`. */
  table(name: TableName): LedgerTable {
    const table = this.byName.get(name);
    if (!table) throw new Error(`The ledger has no table ${name}`);
    return table;
  }
}
