// Serve mode's token, taken from the URL before anything else reads the URL. main.ts imports
// this module first: the router, once created, rewrites the fragment as a place in the app
// ("#token=…" would become "#/token=…" and the token would be lost).
const TOKEN_KEY = 'digit-lab-token'

/**
 * Takes the token from the URL's fragment (#token=…: browsers never send a fragment to a server
 * or in a Referer), then hides it from the address bar and history. localStorage keeps it per
 * origin, port included, so a page on another local port cannot read it (a cookie would be
 * sent to every port), and a second tab opened on the bare address still works.
 */
function takeToken(): string {
  const url = new URL(window.location.href)
  const fragment = new URLSearchParams(url.hash.slice(1))
  const fromUrl = fragment.get('token')
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl)
    fragment.delete('token')
    const rest = fragment.toString()
    window.history.replaceState(null, '', url.pathname + url.search + (rest ? `#${rest}` : ''))
  }
  return localStorage.getItem(TOKEN_KEY) ?? ''
}

/** The token of serve mode; empty in the desktop shell, which needs none. */
export const SERVE_TOKEN = typeof window !== 'undefined' && !window.lab ? takeToken() : ''
