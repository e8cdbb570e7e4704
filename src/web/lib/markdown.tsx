import type { ReactNode } from 'react';

/**
 * Just enough Markdown for flow bodies: headings, paragraphs, lists, quotes, fenced code, and inline bold,
 * italic, code and http(s) links. It builds React elements (never HTML strings), so a flow cannot inject markup.
 */
type List = { ordered: boolean; items: ListItem[] };
type ListItem = { text: string; sublist?: List };

type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; list: List }
  | { kind: 'quote'; text: string }
  | { kind: 'code'; text: string };

export function parseBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    if (line.trim() === '') {
      index += 1;
      continue;
    }
    if (line.trimStart().startsWith('```')) {
      const code: string[] = [];
      index += 1;
      while (index < lines.length && !lines[index]!.trimStart().startsWith('```')) code.push(lines[index++]!);
      index += 1;
      blocks.push({ kind: 'code', text: code.join('\n') });
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1]!.length as 1 | 2 | 3 | 4, text: heading[2]! });
      index += 1;
      continue;
    }
    if (LIST_MARKER.test(line)) {
      const listLines: string[] = [];
      while (index < lines.length && LIST_MARKER.test(lines[index]!)) listLines.push(lines[index++]!);
      blocks.push({ kind: 'list', list: parseList(listLines) });
      continue;
    }
    if (line.startsWith('>')) {
      const quote: string[] = [];
      while (index < lines.length && lines[index]!.startsWith('>')) quote.push(lines[index++]!.replace(/^>\s?/, ''));
      blocks.push({ kind: 'quote', text: quote.join('\n') });
      continue;
    }
    const paragraph: string[] = [];
    while (index < lines.length && lines[index]!.trim() !== '' && !startsBlock(lines[index]!)) paragraph.push(lines[index++]!);
    blocks.push({ kind: 'paragraph', text: paragraph.join('\n') });
  }
  return blocks;
}

const LIST_MARKER = /^\s*([-*+]|\d+[.)])\s+/;
const indentOf = (line: string) => line.length - line.trimStart().length;

/** Items at the first line's indent; more deeply indented lines form the previous item's sublist. */
function parseList(lines: string[]): List {
  const baseIndent = indentOf(lines[0]!);
  const items: (ListItem & { childLines: string[] })[] = [];
  for (const line of lines) {
    const last = items.at(-1);
    if (last && indentOf(line) > baseIndent + 1) last.childLines.push(line);
    else items.push({ text: line.replace(LIST_MARKER, ''), childLines: [] });
  }
  return {
    ordered: /^\s*\d/.test(lines[0]!),
    items: items.map(({ text, childLines }) => (childLines.length > 0 ? { text, sublist: parseList(childLines) } : { text })),
  };
}

function startsBlock(line: string): boolean {
  return /^(#{1,4}\s|\s*```|>|\s*([-*+]|\d+[.)])\s)/.test(line);
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\(https?:\/\/[^\s)]+\))/;

export function renderInline(text: string, keyPrefix = 'i'): ReactNode[] {
  const nodes: ReactNode[] = [];
  let rest = text;
  let key = 0;
  while (rest) {
    const match = INLINE.exec(rest);
    if (!match) {
      nodes.push(rest);
      break;
    }
    if (match.index > 0) nodes.push(rest.slice(0, match.index));
    const token = match[0];
    const id = `${keyPrefix}-${key++}`;
    if (match[1]) nodes.push(<code key={id}>{token.slice(1, -1)}</code>);
    else if (match[2]) nodes.push(<strong key={id}>{renderInline(token.slice(2, -2), id)}</strong>);
    else if (match[3]) nodes.push(<em key={id}>{renderInline(token.slice(1, -1), id)}</em>);
    else {
      const link = /^\[([^\]]+)\]\((.+)\)$/.exec(token)!;
      nodes.push(
        <a key={id} href={link[2]} target="_blank" rel="noopener noreferrer nofollow">
          {link[1]}
        </a>,
      );
    }
    rest = rest.slice(match.index + token.length);
  }
  return nodes;
}

function withLineBreaks(text: string, keyPrefix: string): ReactNode[] {
  return text.split('\n').flatMap((line, index) => [
    ...(index > 0 ? [<br key={`${keyPrefix}-br${index}`} />] : []),
    ...renderInline(line, `${keyPrefix}-${index}`),
  ]);
}

function ListView({ list, keyPrefix }: { list: List; keyPrefix: string }) {
  const Tag = list.ordered ? 'ol' : 'ul';
  return (
    <Tag>
      {list.items.map((item, index) => (
        <li key={index}>
          {renderInline(item.text, `${keyPrefix}-${index}`)}
          {item.sublist && <ListView list={item.sublist} keyPrefix={`${keyPrefix}-${index}s`} />}
        </li>
      ))}
    </Tag>
  );
}

export function Markdown({ source, className }: { source: string; className?: string }) {
  return (
    <div className={className ? `markdown ${className}` : 'markdown'}>
      {parseBlocks(source).map((block, index) => {
        const key = `b${index}`;
        switch (block.kind) {
          case 'heading': {
            // Body headings sit under the page's h1/h2, so they start at h3.
            const Tag = (['h3', 'h4', 'h5', 'h6'] as const)[block.level - 1]!;
            return <Tag key={key}>{renderInline(block.text, key)}</Tag>;
          }
          case 'paragraph':
            return <p key={key}>{withLineBreaks(block.text, key)}</p>;
          case 'list':
            return <ListView key={key} list={block.list} keyPrefix={key} />;
          case 'quote':
            return <blockquote key={key}>{withLineBreaks(block.text, key)}</blockquote>;
          case 'code':
            return (
              <pre key={key}>
                <code>{block.text}</code>
              </pre>
            );
        }
      })}
    </div>
  );
}
