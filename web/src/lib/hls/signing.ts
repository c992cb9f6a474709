// The manifest URL carries a CloudFront signature (Policy, Signature, Key-Pair-Id) valid for a
// whole HLS prefix (a film's, or a live event's). Playlists name their segments relatively, which
// drops the query, so every request hls.js makes under that prefix gets the same query appended.

/** The prefix the grant covers: the policy's Resource without its trailing `*`. */
function grantedPrefix(manifest: URL): string {
  const policy = manifest.searchParams.get('Policy')
  if (policy) {
    try {
      // CloudFront's URL-safe base64: - for +, _ for =, ~ for /
      const json = atob(policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'))
      const resource = (JSON.parse(json) as { Statement?: { Resource?: string }[] }).Statement?.[0]?.Resource
      if (resource?.endsWith('*')) return resource.slice(0, -1)
    } catch {
      // not a policy we can read: fall back to the manifest's folder
    }
  }
  return manifest.origin + manifest.pathname.replace(/[^/]*$/, '')
}

export function signedUrlFactory(manifestUrl: string): (url: string) => string {
  const manifest = new URL(manifestUrl, window.location.href)
  const query = manifest.search.slice(1)
  const prefix = grantedPrefix(manifest)
  return (url: string) => {
    if (!query || !url.startsWith(prefix) || /[?&]Signature=/.test(url)) return url
    return url + (url.includes('?') ? '&' : '?') + query
  }
}

/** Native HLS (Safari) cannot add a query to each request: it gets the grant as cookies. */
export function setGrantCookies(cookies: Record<string, string>, manifestUrl: string): void {
  const path = new URL(grantedPrefix(new URL(manifestUrl, window.location.href))).pathname
  for (const [name, value] of Object.entries(cookies)) {
    document.cookie = `${name}=${value}; path=${path}; SameSite=Strict${location.protocol === 'https:' ? '; Secure' : ''}`
  }
}
