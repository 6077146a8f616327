/**
 * Content-type comparison for streams: the media type decides a stream's mode and
 * must match on append, while parameters (`charset=…`) and letter case do not matter.
 */
export function mediaTypeOf(contentType: string): string {
  const separator = contentType.indexOf(';');
  const type = separator === -1 ? contentType : contentType.slice(0, separator);
  return type.trim().toLowerCase();
}

export function isJsonMediaType(contentType: string): boolean {
  return mediaTypeOf(contentType) === 'application/json';
}
