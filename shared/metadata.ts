/**
 * Metadata: a client's own key-value pairs on a record (a payment, an account), stored as given and shown back, and
 * findable by exact match on one key. The limits are the contract's.
 */
export type Metadata = Readonly<Record<string, string>>;

export const METADATA_MAX_KEYS = 20;
export const METADATA_KEY_PATTERN = '^[A-Za-z0-9_.-]{1,40}$';
export const METADATA_VALUE_MAX_LENGTH = 500;

/** A list's `metadata[<key>]=<value>` filter: one key, matched exactly. */
export interface MetadataFilter {
  key: string;
  value: string;
}

/** Whether a record's metadata holds the filter's pair. */
export const hasMetadata = (metadata: Metadata | undefined, { key, value }: MetadataFilter): boolean =>
  metadata !== undefined && Object.hasOwn(metadata, key) && metadata[key] === value;
