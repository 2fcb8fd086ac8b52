import { createHash } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Metadata, MetadataFilter } from '../metadata';
import { type IndexWalk, walkIndex } from './ordered';
import { METADATA_LOOKUPS } from './tables';

/** How to walk a lookup: its direction, exclusive bounds on the record id, and how much each request reads. */
export type MetadataWalk = Pick<IndexWalk, 'descending' | 'above' | 'below' | 'chunk' | 'maxChunk'>;

/**
 * The metadata index of one collection (`payment`, `account`) on the metadata table: an entry per record and key, whose
 * lookups find the records of a scope holding `key = value` in id order, reading one entry per match. A collection
 * names its scopes, at most one per lookup index of the table, in a fixed order: a payment's are its payer, its payee
 * and every payment; an account's could be its owner and every account. A record is in a scope under a value (the
 * payer's user id), or not at all.
 */
export class DynamoMetadataIndex<Scope extends string> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    /** The metadata table. */
    private readonly table: string,
    private readonly collection: string,
    private readonly scopes: readonly Scope[],
  ) {
    if (scopes.length > METADATA_LOOKUPS.length) {
      throw new Error(`The metadata table has ${METADATA_LOOKUPS.length} lookup indexes, not ${scopes.length}`);
    }
  }

  // A value may take 2,000 bytes of UTF-8, and a key of an index at most 2,048: the lookup holds the value's SHA-256.
  // A list checks the pair on each record it reads, so even a collision would list nothing it should not.
  private lookup(scope: Scope, under: string, { key, value }: MetadataFilter): string {
    const digest = createHash('sha256').update(value, 'utf8').digest('base64url');
    return [this.collection, `${scope}:${under}`, key, digest].join('\u0000');
  }

  private indexOf(scope: Scope): string {
    const index = METADATA_LOOKUPS[this.scopes.indexOf(scope)];
    if (index === undefined) throw new Error(`${this.collection} has no metadata scope ${scope}`);
    return index;
  }

  /**
   * Writes the entries of a record's metadata, each in the scopes given (a scope left out is one the record is not
   * in). Written again, an entry is the same item: a retry rewrites it.
   */
  async put(recordId: string, metadata: Metadata, scopes: Partial<Record<Scope, string>>): Promise<void> {
    await Promise.all(
      Object.entries(metadata).map(([key, value]) =>
        this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              record: `${this.collection}\u0000${recordId}`,
              key,
              recordId,
              ...Object.fromEntries(
                this.scopes.flatMap((scope) => {
                  const under = scopes[scope];
                  return under === undefined ? [] : [[this.indexOf(scope), this.lookup(scope, under, { key, value })]];
                }),
              ),
            },
          }),
        ),
      ),
    );
  }

  /** Removes the entries of keys a record no longer holds. */
  async remove(recordId: string, keys: readonly string[]): Promise<void> {
    await Promise.all(
      keys.map((key) =>
        this.client.send(
          new DeleteCommand({ TableName: this.table, Key: { record: `${this.collection}\u0000${recordId}`, key } }),
        ),
      ),
    );
  }

  /** The ids of the records of one scope holding the pair, in id order, strictly between the bounds. */
  async *ids(scope: Scope, under: string, filter: MetadataFilter, walk: MetadataWalk): AsyncGenerator<string> {
    const index = this.indexOf(scope);
    for await (const entry of walkIndex(this.client, {
      table: this.table,
      index,
      keyName: index,
      keyValue: this.lookup(scope, under, filter),
      sortName: 'recordId',
      ...walk,
    })) {
      yield entry.recordId as string;
    }
  }
}
