export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    switch (entity) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(
          entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)),
        );
    }
  });
}

/** `<Name>text</Name>`, the text escaped; null and undefined values are left out. */
export function el(name: string, value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A root element with S3's namespace, after the XML declaration. */
export function document(root: string, inner: string): string {
  return `${XML_DECLARATION}<${root} xmlns="${S3_XMLNS}">${inner}</${root}>`;
}

/**
 * The raw inner text of every `<tag>` element (not nested in one another) of a small request body. The bodies the
 * SDK sends (CompleteMultipartUpload, Delete) are flat enough for this; a namespace prefix on tags is not expected.
 */
export function children(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>|<${tag}(?:\\s[^>]*)?/>`, 'g');
  const found: string[] = [];
  for (const match of xml.matchAll(pattern)) found.push(match[1] ?? '');
  return found;
}

/** The unescaped text of the first `<tag>`, or null. */
export function childText(xml: string, tag: string): string | null {
  const first = children(xml, tag)[0];
  return first === undefined ? null : unescapeXml(first.trim());
}
