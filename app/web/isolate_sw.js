// FlashScope's page runs its kernels on threads, which a browser allows only in a cross-origin
// isolated page: its responses must carry Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp. app/web/serve.py sends them; a static host that
// cannot (a course web site, a repository's pages) serves this service worker beside the page,
// which adds the two headers to every response of the page's own origin. The page registers it
// once and loads again under it (shell.html).
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;  // the browser's as is
  event.respondWith(
    fetch(request).then((response) => {
      if (response.status === 0) return response;  // opaque: nothing to add to
      const headers = new Headers(response.headers);
      headers.set("Cross-Origin-Opener-Policy", "same-origin");
      headers.set("Cross-Origin-Embedder-Policy", "require-corp");
      return new Response(response.body, {status: response.status, statusText: response.statusText, headers});
    }));
});
