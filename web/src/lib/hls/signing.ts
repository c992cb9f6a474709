// The manifest URL carries a CloudFront signature (Policy, Signature, Key-Pair-Id) valid for the
// film's whole HLS prefix. Playlists name their segments relatively, which drops the query, so
// every request hls.js makes under that prefix gets the same query appended.

export function signedUrlFactory(manifestUrl: string): (url: string) => string {
  const manifest = new URL(manifestUrl, window.location.href)
  const query = manifest.search.slice(1)
  const prefix = manifest.origin + manifest.pathname.replace(/\/[^/]*\/[^/]*$/, '/')
  return (url: string) => {
    if (!query || !url.startsWith(prefix) || /[?&]Signature=/.test(url)) return url
    return url + (url.includes('?') ? '&' : '?') + query
  }
}

/** Native HLS (Safari) cannot add a query to each request: it gets the grant as cookies. */
export function setGrantCookies(cookies: Record<string, string>, manifestUrl: string): void {
  const path = new URL(manifestUrl, window.location.href).pathname.replace(/\/[^/]*\/[^/]*$/, '/')
  for (const [name, value] of Object.entries(cookies)) {
    document.cookie = `${name}=${value}; path=${path}; SameSite=Strict${location.protocol === 'https:' ? '; Secure' : ''}`
  }
}
