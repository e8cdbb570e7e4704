import { useEffect, useState } from 'react';
import { Link, navigate, useLocation } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { useTheme } from '../lib/theme.js';
import { CopyCounter } from './copy-counter.js';
import { LogoIcon, MenuIcon, MoonIcon, SunIcon } from './icons.js';

type NavItem = { to: string; label: string };

export function Header() {
  const session = useSession();
  const { path } = useLocation();
  const [isMenuOpen, setMenuOpen] = useState(false);
  const [theme, toggleTheme] = useTheme();

  // A new page closes the menu: adjusted while rendering (React's pattern for state that follows a prop), so the
  // new page never paints with the menu still open.
  const [menuPath, setMenuPath] = useState(path);
  if (menuPath !== path) {
    setMenuPath(path);
    setMenuOpen(false);
  }
  useEffect(() => {
    if (!isMenuOpen) return;
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setMenuOpen(false);
      document.querySelector<HTMLButtonElement>('.menu-button')?.focus();
    };
    document.addEventListener('keydown', closeOnEscape);
    return () => document.removeEventListener('keydown', closeOnEscape);
  }, [isMenuOpen]);

  const items: NavItem[] = [
    { to: '/', label: 'Library' },
    { to: '/pricing', label: 'Pricing' },
    ...(session.status === 'member' ? [{ to: '/publish', label: 'Publish' }] : []),
    ...(session.user?.is_creator ? [{ to: '/creator', label: 'Creator' }] : []),
    ...(session.user?.role === 'admin' ? [{ to: '/admin', label: 'Admin' }] : []),
  ];

  const logOut = () => {
    session.logOut();
    navigate('/');
  };

  return (
    <header className="site-header">
      <div className="site-header-inner">
        <Link to="/" className="brand" aria-label="Flowtab.Pro home">
          <span className="brand-mark">
            <LogoIcon />
          </span>
          <span>
            Flowtab<span className="brand-tld">.Pro</span>
          </span>
        </Link>
        <CopyCounter />
        <button
          type="button"
          className="menu-button"
          aria-expanded={isMenuOpen}
          aria-controls="site-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <MenuIcon />
          <span className="visually-hidden">Menu</span>
        </button>
        <nav id="site-nav" className={isMenuOpen ? 'site-nav is-open' : 'site-nav'} aria-label="Main">
          <ul className="nav-links">
            {items.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={isCurrent(item.to, path) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
          <div className="nav-account">
            {session.status === 'member' && session.user ? (
              <>
                <Link to="/account" aria-current={path === '/account' ? 'page' : undefined} className="nav-user">
                  {session.user.username}
                </Link>
                <button type="button" className="button button-ghost" onClick={logOut}>
                  Log out
                </button>
              </>
            ) : session.status === 'loading' ? null : (
              <>
                <Link to="/login" aria-current={path === '/login' ? 'page' : undefined}>
                  Log in
                </Link>
                <Link to="/register" className="button button-primary">
                  Sign up
                </Link>
              </>
            )}
            <button
              type="button"
              className="button button-ghost theme-toggle"
              onClick={toggleTheme}
              aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
              title={theme === 'dark' ? 'Light theme' : 'Dark theme'}
            >
              {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
            </button>
          </div>
        </nav>
      </div>
    </header>
  );
}

function isCurrent(to: string, path: string): boolean {
  return to === '/' ? path === '/' || path.startsWith('/flows/') : path.startsWith(to);
}
