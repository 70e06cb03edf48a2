// One of a few strings, as JSON Schema's `enum` (what OpenAPI readers and the /api/docs page show
// as a list) rather than TypeBox's union of literals (an anyOf of single-value schemas).
import { Kind, Type, TypeRegistry, type SchemaOptions } from '@sinclair/typebox';

TypeRegistry.Set<{ enum: string[] }>('StringEnum', (schema, value) => typeof value === 'string' && schema.enum.includes(value));

export function StringEnum<T extends string>(values: readonly T[], options: SchemaOptions = {}) {
  return Type.Unsafe<T>({ ...options, [Kind]: 'StringEnum', type: 'string', enum: [...values] });
}
