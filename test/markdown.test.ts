import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown } from '../src/web/lib/markdown.js';

// The web app's Markdown (react-markdown) as the flow page and the editor preview render it.
const render = (source: string, className?: string) => renderToStaticMarkup(createElement(Markdown, { source, className }));

describe('Markdown (flow bodies)', () => {
  it('renders CommonMark: headings start at h3, lists, quotes, code, emphasis; single newlines stay line breaks', () => {
    const html = render(
      [
        '# Role',
        'You are a **careful** analyst.',
        'Say when you are *unsure*.',
        '',
        '## Steps',
        '1. Open the page',
        '2. Read it',
        '   - every section',
        '',
        '> Quote line one',
        '',
        '```',
        'line 1',
        'line 2',
        '```',
        '',
        'Use `inline code` here.',
      ].join('\n'),
    );
    expect(html).toContain('<h3>Role</h3>');
    expect(html).toContain('<h4>Steps</h4>');
    expect(html).toContain('<p>You are a <strong>careful</strong> analyst.<br/>\nSay when you are <em>unsure</em>.</p>');
    expect(html).toMatch(/<ol>\s*<li>Open the page<\/li>\s*<li>Read it\s*<ul>\s*<li>every section<\/li>\s*<\/ul>\s*<\/li>\s*<\/ol>/);
    expect(html).toMatch(/<blockquote>\s*<p>Quote line one<\/p>\s*<\/blockquote>/);
    expect(html).toContain('<pre><code>line 1\nline 2\n</code></pre>');
    expect(html).toContain('<code>inline code</code>');
    expect(html.startsWith('<div class="markdown">')).toBe(true);
    expect(render('x', 'preview')).toBe('<div class="markdown preview"><p>x</p></div>');
  });

  it('never passes raw HTML, script links or remote images through; links carry rel="nofollow ugc noopener"', () => {
    const html = render(
      [
        'Hello <img src="https://tracker.example/p.gif" onerror="alert(1)"> there',
        '',
        '<script>alert(1)</script>',
        '',
        '<div onclick="alert(1)">block html</div>',
        '',
        '[safe](https://example.com/a) and [evil](javascript:alert(1)) and [local](/flows/x)',
        '',
        '![a chart](https://images.example/chart.png)',
      ].join('\n'),
    );
    expect(html).not.toMatch(/<img|<script|<div onclick|onerror|javascript:/i);
    expect(html).toContain('<a href="https://example.com/a" rel="nofollow ugc noopener" target="_blank">safe</a>');
    expect(html).toContain('<a href="" rel="nofollow ugc noopener">evil</a>');
    expect(html).toContain('<a href="/flows/x" rel="nofollow ugc noopener">local</a>');
    expect(html).toContain('<a href="https://images.example/chart.png" rel="nofollow ugc noopener" target="_blank">Image: a chart</a>');
    expect(html).toContain('Hello  there');
  });
});
