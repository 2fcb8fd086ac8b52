/**
 * Query parameters in OpenAPI's `deepObject` style (`metadata[orderId]=42`), as API Gateway hands them over: one
 * literal key each. They are grouped into an object (`{ metadata: { orderId: '42' } }`) before the route's schema sees
 * the query, so that the schema, and the OpenAPI document made from it, declare one object parameter. A bracketed key
 * whose name is also sent bare, or that nests further, is left as it came: the schema refuses it as an unknown field.
 */
const DEEP_OBJECT_KEY = /^([A-Za-z][A-Za-z0-9]*)\[([^[\]]*)\]$/;

// Defined, not assigned: a key named `__proto__` must stay a plain property, for the schema to refuse it.
const define = (object: object, key: string, value: unknown) =>
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });

export const groupDeepObjects = (
  query: Readonly<Record<string, string | undefined>>,
): Record<string, string | Record<string, string> | undefined> => {
  const grouped: Record<string, string | Record<string, string> | undefined> = {};
  const objects = new Map<string, Record<string, string>>();
  for (const [key, value] of Object.entries(query)) {
    const match = DEEP_OBJECT_KEY.exec(key);
    const [, name, property] = match ?? [];
    if (name === undefined || property === undefined || value === undefined || Object.hasOwn(query, name)) {
      define(grouped, key, value);
      continue;
    }
    const object = objects.get(name) ?? {};
    define(object, property, value);
    objects.set(name, object);
  }
  for (const [name, object] of objects) define(grouped, name, object);
  return grouped;
};
