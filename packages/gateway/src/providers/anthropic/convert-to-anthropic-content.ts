/**
 * Sluice content parts to Anthropic input blocks: text as `text`; images as `image` with a
 * `base64` source (from `data` + `mediaType`, or a base64 `data:` URL) or a `url` source
 * (http and https URLs, fetched by Anthropic); files as `document` blocks — PDFs as base64,
 * plain text decoded to the text itself (the form Anthropic documents for `text/plain`) — with
 * the filename as the document's `title`.
 *
 * What the Messages API cannot take is reported at the part's path (`messages.3.content.1.…`)
 * rather than dropped or rewritten: an image `detail` other than `auto` (Anthropic has no such
 * control), image types other than JPEG, PNG, GIF and WebP, file types other than PDF and
 * plain text, and URLs that are neither http(s) nor base64 `data:` URLs.
 */
import type { ContentPart, FilePart, ImagePart } from '@sluice/protocol';
import type { UnsupportedOption } from '../language-model.ts';
import type {
  AnthropicDocumentBlock,
  AnthropicImageSource,
  AnthropicInputContentBlock,
} from './anthropic-api-types.ts';

const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The block for `part`, or undefined when it carries nothing or was reported unsupported. */
export function convertContentPart(
  part: ContentPart,
  path: string,
  unsupported: UnsupportedOption[],
): AnthropicInputContentBlock | undefined {
  switch (part.type) {
    case 'text':
      // The API rejects empty text blocks; an empty part carries nothing anyway.
      return part.text === '' ? undefined : { type: 'text', text: part.text };
    case 'image':
      return convertImage(part, path, unsupported);
    case 'file':
      return convertFile(part, path, unsupported);
  }
}

function convertImage(
  part: ImagePart,
  path: string,
  unsupported: UnsupportedOption[],
): AnthropicInputContentBlock | undefined {
  if (part.detail !== undefined && part.detail !== 'auto') {
    unsupported.push({ field: `${path}.detail`, reason: 'Anthropic has no image detail setting' });
  }
  const source =
    'url' in part
      ? imageSourceFromUrl(part.url, `${path}.url`, unsupported)
      : base64ImageSource(part.mediaType, part.data, `${path}.mediaType`, unsupported);
  return source === undefined ? undefined : { type: 'image', source };
}

function imageSourceFromUrl(
  url: string,
  field: string,
  unsupported: UnsupportedOption[],
): AnthropicImageSource | undefined {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  if (scheme === 'http:' || scheme === 'https:') return { type: 'url', url };
  if (scheme === 'data:') {
    const dataUrl = parseBase64DataUrl(url);
    if (dataUrl !== undefined) {
      return base64ImageSource(dataUrl.mediaType, dataUrl.data, field, unsupported);
    }
  }
  unsupported.push({
    field,
    reason: 'Anthropic takes image URLs over http(s) or as base64 data: URLs',
  });
  return undefined;
}

function base64ImageSource(
  mediaType: string,
  data: string,
  field: string,
  unsupported: UnsupportedOption[],
): AnthropicImageSource | undefined {
  const type = essence(mediaType);
  if (!IMAGE_MEDIA_TYPES.has(type)) {
    unsupported.push({ field, reason: 'Anthropic takes JPEG, PNG, GIF and WebP images' });
    return undefined;
  }
  return { type: 'base64', media_type: type, data };
}

function convertFile(
  part: FilePart,
  path: string,
  unsupported: UnsupportedOption[],
): AnthropicDocumentBlock | undefined {
  const title = part.filename === undefined ? {} : { title: part.filename };
  const type = essence(part.mediaType);
  if (type === 'application/pdf') {
    return {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: part.data },
      ...title,
    };
  }
  if (type === 'text/plain') {
    let text: string;
    try {
      text = utf8.decode(Buffer.from(part.data, 'base64'));
    } catch {
      unsupported.push({ field: `${path}.data`, reason: 'Plain text files must be UTF-8' });
      return undefined;
    }
    return {
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: text },
      ...title,
    };
  }
  unsupported.push({
    field: `${path}.mediaType`,
    reason: 'Anthropic documents take application/pdf and text/plain',
  });
  return undefined;
}

/** `data:<type>[;params];base64,<data>`; other data URLs (percent-encoded) are not taken. */
function parseBase64DataUrl(url: string): { mediaType: string; data: string } | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const header = url.slice('data:'.length, comma).split(';');
  if (header.length < 2 || header.at(-1)?.trim().toLowerCase() !== 'base64') return undefined;
  return { mediaType: header[0] ?? '', data: url.slice(comma + 1) };
}

/** The media type without parameters, lower-cased: `Image/PNG; x=y` is `image/png`. */
function essence(mediaType: string): string {
  return (mediaType.split(';')[0] ?? '').trim().toLowerCase();
}
