import type { ComponentPropsWithoutRef, JSX } from 'react';
import ReactMarkdown, { type Components, type ExtraProps } from 'react-markdown';

/**
 * Flow bodies as CommonMark, through react-markdown: it builds React elements from the syntax tree, never HTML
 * strings. Raw HTML in a body is dropped (`skipHtml`, and no rehype-raw), and unsafe link targets (`javascript:`)
 * are emptied by react-markdown's default URL check, so a flow cannot inject markup or script into the page.
 */
export function Markdown({ source, className }: { source: string; className?: string }) {
  return (
    <div className={className ? `markdown ${className}` : 'markdown'}>
      <ReactMarkdown skipHtml remarkPlugins={REMARK_PLUGINS} components={COMPONENTS}>
        {source}
      </ReactMarkdown>
    </div>
  );
}

/** The part of an mdast node this file looks at (react-markdown's tree, typed structurally: no extra dependency). */
type MarkdownNode = { type: string; value?: string; children?: MarkdownNode[] };

/**
 * A line break in a paragraph shows as one, as it does in the prompt that gets copied (CommonMark alone would join
 * the lines): every newline inside text becomes a `break` node. Code keeps its own line breaks (not text nodes).
 */
function remarkLineBreaks() {
  return (tree: MarkdownNode) => splitLines(tree);
}

function splitLines(node: MarkdownNode): void {
  if (!node.children) return;
  node.children = node.children.flatMap((child) => {
    splitLines(child);
    if (child.type !== 'text' || !child.value?.includes('\n')) return [child];
    return child.value.split(/\r?\n/).flatMap((line, index): MarkdownNode[] => [
      ...(index > 0 ? [{ type: 'break' }] : []),
      ...(line ? [{ type: 'text', value: line }] : []),
    ]);
  });
}

const REMARK_PLUGINS = [remarkLineBreaks];

type Props<Tag extends keyof JSX.IntrinsicElements> = ComponentPropsWithoutRef<Tag> & ExtraProps;

/** Links in a flow are the author's: no ranking credit for them, and the opened page gets no handle on this one. */
function FlowLink({ node: _node, href, children, ...props }: Props<'a'>) {
  const isExternal = href !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(href);
  return (
    <a {...props} href={href} rel="nofollow ugc noopener" {...(isExternal ? { target: '_blank' } : {})}>
      {children}
    </a>
  );
}

/**
 * Images are not loaded: a third-party image would tell its host who reads the flow (and the page's content security
 * policy blocks other hosts anyway). The alt text links to the picture instead.
 */
function FlowImage({ src, alt }: Props<'img'>) {
  const label = alt ? `Image: ${alt}` : 'Image';
  if (typeof src !== 'string' || src === '') return <span>{label}</span>;
  return (
    <a href={src} rel="nofollow ugc noopener" target="_blank">
      {label}
    </a>
  );
}

/** Body headings sit under the page's h1 and h2, so `#` is an h3 and the levels below follow (down to h6). */
function shiftedHeading(Tag: 'h3' | 'h4' | 'h5' | 'h6') {
  return function ShiftedHeading({ node: _node, ...props }: Props<'h1'>) {
    return <Tag {...props} />;
  };
}

const COMPONENTS: Components = {
  a: FlowLink,
  img: FlowImage,
  h1: shiftedHeading('h3'),
  h2: shiftedHeading('h4'),
  h3: shiftedHeading('h5'),
  h4: shiftedHeading('h6'),
  h5: shiftedHeading('h6'),
  h6: shiftedHeading('h6'),
};
