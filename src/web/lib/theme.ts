import { useEffect, useState } from 'react';

export type Theme = 'light' | 'dark';
const THEME_KEY = 'flowtab.theme';

function systemTheme(): Theme {
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function storedTheme(): Theme | undefined {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The system's scheme until the person picks one with the toggle; their pick is remembered. Undefined on the first
 * render (the server cannot know it, and the browser's first render must match the server's HTML); theme.js has
 * already applied it to the page by then, so nothing flashes.
 */
export function useTheme(): [Theme | undefined, () => void] {
  const [theme, setTheme] = useState<Theme | undefined>(undefined);

  useEffect(() => {
    const initial = storedTheme() ?? systemTheme();
    document.documentElement.dataset.theme = initial;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- storage and media queries exist only in the browser
    setTheme(initial);
  }, []);

  useEffect(() => {
    if (theme) document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const follow = () => {
      if (!storedTheme()) setTheme(systemTheme());
    };
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, []);

  const toggle = () => {
    const next: Theme = (theme ?? systemTheme()) === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(THEME_KEY, next);
    } catch {
      // not remembered; still applied
    }
    setTheme(next);
  };
  return [theme, toggle];
}
