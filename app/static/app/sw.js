/* Service worker of the map: the app shell and the tiles already seen stay available offline;
 * the zoning check says plainly that it needs a connection. Served at /sw.js (scope /). */
"use strict";
var SHELL = "rtrw-shell-v1";
var TILES = "rtrw-tiles-v1";
var MAX_TILES = 3000;
var SHELL_URLS = [
  "/peta",
  "/static/app/peta.js",
  "/static/app/peta.css",
  "/static/app/icons/icon-192.png",
  "/static/vendor/leaflet/leaflet.js",
  "/static/vendor/leaflet/leaflet.css",
  "/static/vendor/jquery/jquery.min.js",
  "/static/vendor/leaflet-draw/leaflet.draw.js",
  "/static/vendor/leaflet-draw/leaflet.draw.css",
  "/static/vendor/leaflet-measure/leaflet-measure.min.js",
  "/static/vendor/leaflet-measure/leaflet-measure.css",
  "/static/vendor/leaflet.locatecontrol/L.Control.Locate.min.js",
  "/static/vendor/leaflet.locatecontrol/L.Control.Locate.min.css",
  "/static/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
  "/static/vendor/leaflet.fullscreen/Control.FullScreen.js",
  "/static/vendor/leaflet.fullscreen/Control.FullScreen.css",
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) {
      return Promise.all(SHELL_URLS.map(function (u) { return cache.add(u).catch(function () {}); }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== SHELL && k !== TILES; })
        .map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function offlineJSON() {
  var body = {
    error: "offline",
    detail: "The zoning check needs an internet connection.",
    message: {
      id: "Pemeriksaan zonasi memerlukan koneksi internet.",
      en: "The zoning check needs an internet connection.",
    },
  };
  return new Response(JSON.stringify(body), { status: 503, headers: { "Content-Type": "application/json" } });
}

function trim(cache) {
  cache.keys().then(function (keys) {
    if (keys.length > MAX_TILES) {
      keys.slice(0, keys.length - MAX_TILES).forEach(function (k) { cache.delete(k); });
    }
  });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method !== "GET") {
    if (url.pathname.indexOf("/zoning/") === 0 || url.pathname.indexOf("/reports/") === 0) {
      event.respondWith(fetch(req).catch(offlineJSON));
    }
    return;
  }
  if (url.pathname.indexOf("/tiles/") === 0) {
    // network first (a new layer version shows at once), the tile seen last when offline
    event.respondWith(
      caches.open(TILES).then(function (cache) {
        return fetch(req).then(function (res) {
          if (res.status === 200 || res.status === 204) { cache.put(req, res.clone()); trim(cache); }
          return res;
        }).catch(function () {
          return cache.match(req).then(function (hit) { return hit || new Response(null, { status: 204 }); });
        });
      })
    );
    return;
  }
  if (url.pathname.indexOf("/zoning/") === 0 || url.pathname.indexOf("/admin/") === 0) {
    event.respondWith(fetch(req).catch(function () {
      return caches.match(req).then(function (hit) { return hit || offlineJSON(); });
    }));
    return;
  }
  if (url.pathname === "/" || url.pathname === "/peta" || url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      fetch(req).then(function (res) {
        if (res.ok) {
          var copy = res.clone();
          caches.open(SHELL).then(function (c) { c.put(url.pathname === "/" ? "/peta" : req, copy); });
        }
        return res;
      }).catch(function () {
        return caches.match(req, { ignoreSearch: url.pathname === "/peta" || url.pathname === "/" })
          .then(function (hit) { return hit || caches.match("/peta"); });
      })
    );
  }
});
