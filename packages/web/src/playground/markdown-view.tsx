/**
 * Model output as markdown, rendered as React elements only: raw HTML in the answer stays
 * text (react-markdown escapes it; there is no rehype-raw and no `dangerouslySetInnerHTML`),
 * images become their alt text (no request to an address the model chose), links open
 * without a referrer, and fenced code is highlighted by prism-react-renderer.
 */
import { Highlight, themes } from 'prism-react-renderer';
import { memo } from 'react';
import Markdown, { type Components } from 'react-markdown';

function CodeBlock({ code, language }: { code: string; language: string }) {
  return (
    <Highlight code={code} language={language} theme={themes.vsDark}>
      {({ className, style, tokens, getLineProps, getTokenProps }) => (
        <pre className={`code-block ${className}`} style={style} data-language={language}>
          {tokens.map((line, lineIndex) => (
            // Lines have no identity beyond their position; the block is re-rendered whole.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <div key={lineIndex} {...getLineProps({ line })}>
              {line.map((token, tokenIndex) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: see above
                <span key={tokenIndex} {...getTokenProps({ token })} />
              ))}
            </div>
          ))}
        </pre>
      )}
    </Highlight>
  );
}

const components: Components = {
  pre: ({ children }) => <>{children}</>,
  code: ({ className, children }) => {
    const language = /language-([\w-]+)/.exec(className ?? '')?.[1];
    const text = String(children ?? '');
    if (language === undefined && !text.includes('\n')) return <code>{children}</code>;
    return <CodeBlock code={text.replace(/\n$/, '')} language={language ?? 'text'} />;
  },
  img: ({ alt }) => <span className="image-placeholder">[image: {alt ?? ''}]</span>,
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  ),
};

export const MarkdownView = memo(function MarkdownView({ text }: { text: string }) {
  return (
    <div className="markdown">
      <Markdown components={components} skipHtml={false}>
        {text}
      </Markdown>
    </div>
  );
});
