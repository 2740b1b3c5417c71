/// <reference lib="webworker" />
// Service-worker adapter of the mock authorization server (placeholder until the core lands):
// it takes control at once so the page can talk to /as/* from its first load.
declare const self: ServiceWorkerGlobalScope

self.addEventListener('install', () => {
  void self.skipWaiting()
})

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim())
})

export {}
