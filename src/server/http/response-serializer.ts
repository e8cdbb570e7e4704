import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import { ResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

type JsonSchema = { [keyword: string]: unknown };

/**
 * How every response body is written: by a serializer compiled from the route's zod response schema (z.toJSONSchema,
 * then fast-json-stringify; once per schema, below). The zod schema stays the one authority: the OpenAPI
 * document and the compiled serializer are both made from it. What the serializer writes is what the schema declares,
 * in its order: an undeclared field (a column a handler passed on by mistake) is never written, and a missing required
 * one fails the response (500, as a schema error did before). It does not check formats, enums or bounds, and it writes
 * a null given for a field that may not be null as that type's empty value.
 *
 * With `checks` (RESPONSE_CHECKS, on outside production), every response is first checked against its zod schema, as
 * fastify-type-provider-zod's serializer does, and what the compiled serializer writes is compared with zod's own JSON
 * of it: a body that breaks its schema, or that the two would write differently, fails with ResponseSerializationError,
 * so every test and every development request checks both. Off in production: the zod check and the copy it makes
 * cost a page of flows ~50 µs of its ~600 µs of CPU (bench/ab, README "Benchmarks").
 */
export function responseSerializerCompiler({ checks }: { checks: boolean }): FastifySerializerCompiler<unknown> {
  return ({ schema: maybeSchema, method, url }) => {
    const schema = zodSchemaOf(maybeSchema);
    const write = compiled(schema);
    if (!checks) return write;
    return (data) => {
      const result = z.safeEncode(schema, data);
      if (result.error) throw new ResponseSerializationError(method, url, { cause: result.error });
      return write(result.data);
    };
  };
}

/**
 * Compiled once per schema, not per route and status: the problem schema alone answers most of every route's error
 * statuses, and compiling takes 1–5 ms a schema (hundreds of them made every app's start ~1 s slower).
 */
const writers = new WeakMap<z.ZodType, (data: unknown) => string>();
function compiled(schema: z.ZodType): (data: unknown) => string {
  let write = writers.get(schema);
  if (!write) {
    write = fastJson(forFastJsonStringify(z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' })) as never) as (data: unknown) => string;
    writers.set(schema, write);
  }
  return write;
}

/** A route's response schema as Fastify hands it over: the zod schema, or one wrapped as `{ properties }` (per content type). */
function zodSchemaOf(maybeSchema: unknown): z.ZodType {
  if (maybeSchema instanceof z.ZodType) return maybeSchema;
  const wrapped = (maybeSchema as { properties?: unknown } | undefined)?.properties;
  if (wrapped instanceof z.ZodType) return wrapped;
  throw new Error(`a response schema must be a zod schema: ${JSON.stringify(maybeSchema)}`);
}

/**
 * What zod writes for a value that may be null, `anyOf: [X, { type: 'null' }]`, becomes X with `nullable: true`:
 * fast-json-stringify decides an anyOf by running each branch's validator on the value, for every value written.
 */
function forFastJsonStringify(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forFastJsonStringify);
  if (typeof schema !== 'object' || schema === null) return schema;
  const node = Object.fromEntries<unknown>(Object.entries(schema).map(([keyword, value]) => [keyword, forFastJsonStringify(value)]));
  const branches = node.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return node;
  const isNull = (branch: JsonSchema) => branch.type === 'null' && Object.keys(branch).length === 1;
  const [first, second] = branches as [JsonSchema, JsonSchema];
  const other = isNull(second) ? first : isNull(first) ? second : undefined;
  if (!other || typeof other.type !== 'string' || other.type === 'null') return node;
  const { anyOf: _branches, ...rest } = node;
  return { ...rest, ...other, nullable: true };
}
