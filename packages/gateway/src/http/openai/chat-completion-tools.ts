/**
 * OpenAI `tools`, `tool_choice` and `response_format` as `/v1/chat/completions` accepts
 * them, and their protocol equivalents. Tool parameter and response schemas must compile
 * (the finalizer validates against them), tool names are unique, and a forced tool must be
 * declared.
 */
import type { ResponseFormat, ToolChoice, ToolDefinition } from '@sluice/protocol';
import { z } from 'zod';
import {
  jsonSchemaObjectSchema,
  refineUniqueToolNames,
  toolNameSchema,
  toolParametersSchema,
} from '../request-parts.ts';
import { objectOfKnownKeys } from './unsupported-field.ts';

const MAX_TOOLS = 128;
const MAX_DESCRIPTION = 10_000;

const functionToolSchema = objectOfKnownKeys({
  type: z.literal('function', { error: 'must be "function" (Sluice relays function tools)' }),
  function: objectOfKnownKeys({
    name: toolNameSchema,
    description: z.string().max(MAX_DESCRIPTION).nullish(),
    parameters: toolParametersSchema.nullish(),
    strict: z.boolean().nullish(),
  }),
});

export const toolsSchema = z
  .array(functionToolSchema)
  .max(MAX_TOOLS)
  .superRefine((tools, context) =>
    refineUniqueToolNames(tools, (tool) => tool.function.name, ['function', 'name'], context),
  );

export const toolChoiceSchema = z.union(
  [
    z.enum(['none', 'auto', 'required']),
    objectOfKnownKeys({
      type: z.literal('function'),
      function: objectOfKnownKeys({ name: toolNameSchema }),
    }),
  ],
  { error: 'must be "none", "auto", "required" or { type: "function", function: { name } }' },
);

export const responseFormatSchema = z.discriminatedUnion('type', [
  objectOfKnownKeys({ type: z.literal('text') }),
  objectOfKnownKeys({ type: z.literal('json_object') }),
  objectOfKnownKeys({
    type: z.literal('json_schema'),
    json_schema: objectOfKnownKeys({
      name: toolNameSchema,
      description: z.string().max(MAX_DESCRIPTION).nullish(),
      schema: jsonSchemaObjectSchema,
      strict: z.boolean().nullish(),
    }),
  }),
]);

type OpenAiTools = z.infer<typeof toolsSchema>;
type OpenAiToolChoice = z.infer<typeof toolChoiceSchema>;
type OpenAiResponseFormat = z.infer<typeof responseFormatSchema>;

/** A tool without `parameters` takes no arguments, as OpenAI reads it. */
const NO_PARAMETERS = { type: 'object', properties: {} };

export function toolDefinitionsFromOpenAi(tools: OpenAiTools): ToolDefinition[] {
  return tools.map(({ function: tool }) => {
    const definition: ToolDefinition = {
      name: tool.name,
      parameters: tool.parameters ?? NO_PARAMETERS,
    };
    if (tool.description != null) definition.description = tool.description;
    if (tool.strict != null) definition.strict = tool.strict;
    return definition;
  });
}

export function toolChoiceFromOpenAi(choice: OpenAiToolChoice): ToolChoice {
  return typeof choice === 'string' ? choice : { toolName: choice.function.name };
}

/** `text` is what a model does anyway, so it asks nothing of the provider. */
export function responseFormatFromOpenAi(format: OpenAiResponseFormat): ResponseFormat | undefined {
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      const { name, description, schema, strict } = format.json_schema;
      const responseFormat: ResponseFormat = { type: 'json_schema', name, schema };
      if (description != null) responseFormat.description = description;
      if (strict != null) responseFormat.strict = strict;
      return responseFormat;
    }
  }
}
