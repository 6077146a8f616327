/**
 * Validation pieces shared by the native and OpenAI-compatible request schemas: tool
 * parameter schemas (must be JSON Schema objects that compile), base64 payloads, data and
 * image URLs, unique tool names. Each failure is a zod issue at the offending path, so the
 * 400 names the field; values are never echoed.
 */
import { z } from 'zod';
import { compileJsonSchema } from '../governance/validators/json-schema-compiler.ts';

/** Tool names as OpenAI and Anthropic accept them. */
export const toolNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"');

/** A JSON Schema that ajv compiles (the finalizer validates tool arguments against it). */
export const jsonSchemaObjectSchema = z
  .record(z.string(), z.unknown())
  .superRefine((schema, context) => {
    try {
      compileJsonSchema(schema);
    } catch (error) {
      const detail = error instanceof Error ? error.message.split('\n')[0] : 'invalid';
      context.addIssue({ code: 'custom', message: `schema does not compile: ${detail}` });
    }
  });

/** A tool's `parameters`: an object schema (tools take named arguments). */
export const toolParametersSchema = jsonSchemaObjectSchema.superRefine((schema, context) => {
  if (schema.type !== undefined && schema.type !== 'object') {
    context.addIssue({ code: 'custom', path: ['type'], message: 'must be "object"' });
  }
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 (standard alphabet, padded or not), as images and files are sent. */
export const base64Schema = z
  .string()
  .min(1)
  .refine((value) => value.length % 4 !== 1 && BASE64.test(value), 'must be base64');

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)((?:;[\w.+-]+=[^;,]*)*);base64,(.*)$/s;

/** `data:<type>;base64,<data>` split into its parts; undefined when not a base64 data URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = DATA_URL.exec(url);
  if (!match) return undefined;
  const data = match[3] ?? '';
  if (!base64Schema.safeParse(data).success) return undefined;
  return { mediaType: match[1] ?? '', data };
}

/** An image URL: `http(s):` or a base64 `data:` URL. */
export const imageUrlSchema = z
  .string()
  .min(1)
  .superRefine((url, context) => {
    if (url.startsWith('data:')) {
      if (!parseDataUrl(url)) {
        context.addIssue({ code: 'custom', message: 'data URL must be data:<type>;base64,<data>' });
      }
      return;
    }
    if (!/^https?:\/\//i.test(url)) {
      context.addIssue({ code: 'custom', message: 'must be an http(s) or data: URL' });
    }
  });

/** Adds an issue at `[index, ...namePath]` for every tool whose name repeats an earlier one. */
export function refineUniqueToolNames<T>(
  tools: readonly T[],
  nameOf: (tool: T) => string,
  namePath: PropertyKey[],
  context: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  tools.forEach((tool, index) => {
    const name = nameOf(tool);
    if (seen.has(name)) {
      context.addIssue({
        code: 'custom',
        path: [index, ...namePath],
        message: 'duplicate tool name',
      });
    }
    seen.add(name);
  });
}
