// Apply the remembered theme before the first paint, so a dark-mode reader never sees a white flash. A file, not an
// inline script: the Content-Security-Policy allows scripts from this origin only.
try {
  var theme = localStorage.getItem('flowtab.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch {
  // Storage blocked (a private window, a strict setting): the system's theme applies.
}
