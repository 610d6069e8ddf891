// The light/dark toggle shared by the dashboard and /docs: the system setting until the button is
// used, then the saved choice (localStorage `siem.theme`) on every page of this origin.

/** Applies the saved choice and makes `buttonId` toggle it. */
export function setUpThemeToggle(buttonId) {
  const saved = localStorage.getItem('siem.theme');
  if (saved === 'dark' || saved === 'light') document.documentElement.dataset.theme = saved;
  document.getElementById(buttonId).addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches;
    const next = dark ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('siem.theme', next);
  });
}
