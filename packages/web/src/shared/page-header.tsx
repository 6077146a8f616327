/** The header every page shares: the product name, the page links and the key field. */
import { KeyField } from './key-field.tsx';

const PAGES = [
  { path: '/', label: 'Playground' },
  { path: '/dashboard', label: 'Dashboard' },
  { path: '/reviews', label: 'Reviews' },
  { path: '/audit', label: 'Audit' },
] as const;

export function PageHeader({ current }: { current: string }) {
  return (
    <header className="page-header">
      <strong className="brand">Sluice</strong>
      <nav aria-label="Pages">
        {PAGES.map((page) => (
          <a
            key={page.path}
            href={page.path}
            aria-current={page.path === current ? 'page' : undefined}
          >
            {page.label}
          </a>
        ))}
      </nav>
      <KeyField />
    </header>
  );
}
