/**
 * The pages' entry: one HTML page, a small entry chunk and a chunk per page; the path
 * picks the page (the gateway
 * answers `/`, `/dashboard`, `/reviews` and `/audit` with the same HTML). Links between
 * pages are ordinary navigations.
 */
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { PageHeader } from './shared/page-header.tsx';
import './styles.css';

// Each page is its own chunk: a page loads only its code.
const Playground = lazy(() =>
  import('./playground/playground.tsx').then((module) => ({ default: module.Playground })),
);
const DashboardPage = lazy(() =>
  import('./operator/dashboard-page.tsx').then((module) => ({ default: module.DashboardPage })),
);
const ReviewsPage = lazy(() =>
  import('./operator/reviews-page.tsx').then((module) => ({ default: module.ReviewsPage })),
);
const AuditPage = lazy(() =>
  import('./operator/audit-page.tsx').then((module) => ({ default: module.AuditPage })),
);

function Page({ path }: { path: string }) {
  switch (path) {
    case '/dashboard':
      return <DashboardPage />;
    case '/reviews':
      return <ReviewsPage />;
    case '/audit':
      return <AuditPage />;
    default:
      return <Playground />;
  }
}

const path = window.location.pathname;
const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <div className="app">
        <PageHeader current={path} />
        <Suspense fallback={<main aria-busy="true" />}>
          <Page path={path} />
        </Suspense>
      </div>
    </StrictMode>,
  );
}
