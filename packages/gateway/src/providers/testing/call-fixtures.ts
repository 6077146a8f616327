/**
 * Call options the provider tests share: a short conversation and two tools.
 */
import type { LanguageModelCallOptions } from '../language-model.ts';

export const messages: LanguageModelCallOptions['messages'] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Say hello' },
];

export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'The current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { enum: ['celsius', 'fahrenheit'] } },
    required: ['city'],
  },
};

export const TIME_TOOL = {
  name: 'get_time',
  parameters: { type: 'object', properties: { timezone: { type: 'string' } } },
};
