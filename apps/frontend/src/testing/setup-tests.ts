import '@testing-library/jest-dom/vitest';

afterEach(() => {
  window.localStorage.clear();
  document.cookie = 'csrftoken=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
  window.history.replaceState(null, '', '/');
});
