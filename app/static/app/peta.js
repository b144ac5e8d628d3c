/* Peta tata ruang: the little JavaScript the folium map needs (panel, KBLI picker, place
 * search, language, URL state, legend, labels). folium builds the Leaflet map and calls
 * RTRW.init(map, config, handles) last; RTRW.tileOptions(name) styles each vector-tile layer.
 * Everything is fetched from this service only. */
(function () {
  "use strict";

  var I18N = {
    id: {
      title: "Peta Tata Ruang",
      search_place: "Cari desa/kelurahan atau kode",
      kbli_label: "Kegiatan usaha (KBLI)",
      kbli_hint: "Kode KBLI atau kata, mis. 47111, warung, pabrik",
      click_hint: "Klik peta atau gambar persil untuk melihat ketentuan tata ruangnya.",
      copy_link: "Salin tautan",
      copied: "Tautan disalin",
      pdf: "Cetak PDF",
      embed: "Sematkan peta",
      toggle_panel: "Buka/tutup panel",
      checking: "Memeriksa…",
      offline: "Pemeriksaan zonasi memerlukan koneksi internet. Peta yang sudah dibuka tetap dapat dilihat.",
      failed: "Pemeriksaan gagal",
      verdict: "Ketentuan",
      zones: "Zona",
      share: "Porsi",
      conditions: "Syarat",
      route: "Jalur perizinan",
      envelope: "Intensitas bangunan",
      footprint: "Luas dasar bangunan maks.",
      floor: "Luas lantai maks.",
      green: "Ruang hijau min.",
      height: "Tinggi maks.",
      overlays: "Kawasan tumpang susun",
      rasters: "Kondisi fisik",
      none: "tidak ada",
      location: "Lokasi",
      desa: "Desa/Kel.",
      kecamatan: "Kecamatan",
      area: "Luas persil",
      no_plan: "di luar rencana",
      outside: "di luar wilayah",
      sources: "Sumber",
      point: "Titik",
      parcel: "Persil",
      legend: "Legenda",
      choose_kbli: "Pilih kegiatan usaha (KBLI) untuk melihat ketentuan I/T/B/X.",
      not_listed_note: "tidak tercantum dalam matriks ITBX",
      letters: { I: "Diizinkan", T: "Terbatas", B: "Bersyarat", TB: "Terbatas dan bersyarat",
        X: "Tidak diizinkan", mixed: "Campuran", not_listed: "Tidak tercantum", no_plan: "Tanpa rencana" },
      embed_note: "Salin kode ini ke halaman laporan:",
      warnings: "Catatan",
    },
    en: {
      title: "Spatial Plan Map",
      search_place: "Find a village or code",
      kbli_label: "Business activity (KBLI)",
      kbli_hint: "KBLI code or words, e.g. 47111, shop, factory",
      click_hint: "Click the map or draw a parcel to see its zoning rules.",
      copy_link: "Copy link",
      copied: "Link copied",
      pdf: "Print PDF",
      embed: "Embed map",
      toggle_panel: "Open/close panel",
      checking: "Checking…",
      offline: "The zoning check needs an internet connection. Maps already opened stay visible.",
      failed: "The check failed",
      verdict: "Verdict",
      zones: "Zones",
      share: "Share",
      conditions: "Conditions",
      route: "Permit route",
      envelope: "Building envelope",
      footprint: "Max. footprint",
      floor: "Max. floor area",
      green: "Min. green area",
      height: "Max. height",
      overlays: "Overlays",
      rasters: "Physical conditions",
      none: "none",
      location: "Location",
      desa: "Village",
      kecamatan: "District",
      area: "Parcel area",
      no_plan: "no plan",
      outside: "outside the region",
      sources: "Sources",
      point: "Point",
      parcel: "Parcel",
      legend: "Legend",
      choose_kbli: "Choose a business activity (KBLI) to see its I/T/B/X rule.",
      not_listed_note: "not listed in the ITBX matrix",
      letters: { I: "Permitted", T: "Limited", B: "Conditional", TB: "Limited and conditional",
        X: "Not permitted", mixed: "Mixed", not_listed: "Not listed", no_plan: "No plan" },
      embed_note: "Paste this code into a report page:",
      warnings: "Notes",
    },
  };
  var LETTER_COLOURS = { I: "#1a9641", T: "#f4a300", B: "#2b83ba", TB: "#7b3294", X: "#d7191c",
    mixed: "#666", not_listed: "#444", no_plan: "#999" };
  var OVERLAY_COLOURS = ["#c51b7d", "#e66101", "#5e3c99", "#01665e", "#8c510a"];

  var S = { map: null, config: null, handles: null, lang: "id", kbli: null, kbliTitle: null,
    pt: null, parcel: null, answer: null, marker: null, drawing: false, labels: null,
    highlight: null };

  function t(key) { return (I18N[S.lang] || I18N.id)[key] || I18N.id[key] || key; }
  function el(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function pct(x) {
    var v = Math.round(x * 1000) / 10;
    return (S.lang === "id" ? String(v).replace(".", ",") : String(v)) + " %";
  }
  function num(x, unit) {
    if (x == null) return "–";
    return Number(x).toLocaleString(S.lang === "id" ? "id-ID" : "en-GB",
      { maximumFractionDigits: 2 }) + (unit ? " " + unit : "");
  }
  function debounce(fn, ms) {
    var h; return function () { var a = arguments; clearTimeout(h); h = setTimeout(function () { fn.apply(null, a); }, ms); };
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) { if (!r.ok) { throw body; } return body; });
    });
  }

  /* ---------- styles of the vector-tile layers ---------- */
  function layerInfo(name) {
    var ls = (S.config && S.config.layers) || (window.RTRW_CONFIG && window.RTRW_CONFIG.layers) || [];
    for (var i = 0; i < ls.length; i++) { if (ls[i].name === name) return ls[i]; }
    return { name: name, kind: "base" };
  }
  function zoneColour(code) {
    var cfg = S.config || window.RTRW_CONFIG || {};
    var national = (cfg.aliases || {})[code] || code;
    var zones = cfg.zones || [];
    for (var i = 0; i < zones.length; i++) { if (zones[i].code === national) return zones[i].colour || "#bbb"; }
    return "#bbbbbb";
  }
  function styleFor(info) {
    var st = info.style || {};
    if (info.kind === "zoning") {
      return function (p) {
        return { fill: true, fillColor: zoneColour(p.code), fillOpacity: st.fill_opacity || 0.55,
          color: st.colour || "#555", weight: 0.4, opacity: 0.6 };
      };
    }
    if (info.kind === "admin") {
      return function (p) {
        var level = p.level || 4;
        return { fill: false, color: st.colour || "#333", weight: level <= 2 ? 2.5 : level === 3 ? 1.6 : 0.8,
          opacity: 0.9, dashArray: level === 4 ? "3 3" : null };
      };
    }
    if (info.kind === "overlay" || info.kind === "thematic") {
      var idx = 0, ls = (S.config || window.RTRW_CONFIG || { layers: [] }).layers;
      for (var i = 0; i < ls.length; i++) { if (ls[i].name === info.name) idx = i; }
      var c = st.colour || OVERLAY_COLOURS[idx % OVERLAY_COLOURS.length];
      return { fill: true, fillColor: c, fillOpacity: st.fill_opacity || 0.25, color: c, weight: 1.2, opacity: 0.9 };
    }
    if (/sungai|river|air/i.test(info.name)) {
      return { color: st.colour || "#3a7bd5", weight: st.weight || 1.6, opacity: 0.9, fill: /Polygon/.test(info.geometry_type || "") };
    }
    return { color: st.colour || "#b35806", weight: st.weight || 1.4, opacity: 0.9,
      fill: /Polygon/.test(info.geometry_type || ""), fillOpacity: 0.2 };
  }
  function tileOptions(name) {
    var styles = {};
    styles[name] = function (p) {
      var s = styleFor(layerInfo(name));
      return typeof s === "function" ? s(p) : s;
    };
    return { vectorTileLayerStyles: styles, interactive: false, rendererFactory: L.canvas.tile,
      maxNativeZoom: 18, attribution: "" };
  }

  /* ---------- URL state ---------- */
  function readURL() {
    var q = new URLSearchParams(location.search);
    var out = {};
    if (q.get("c")) { var c = q.get("c").split(",").map(Number); if (c.length === 2 && !isNaN(c[0]) && !isNaN(c[1])) out.c = c; }
    if (q.get("z") && !isNaN(Number(q.get("z")))) out.z = Number(q.get("z"));
    if (q.get("l") !== null) out.l = q.get("l") ? q.get("l").split(",") : [];
    if (q.get("pt")) { var p = q.get("pt").split(",").map(Number); if (p.length === 2 && !isNaN(p[0]) && !isNaN(p[1])) out.pt = p; }
    if (q.get("parcel")) {
      var ring = q.get("parcel").split(",").map(function (s) { return s.trim().split(/\s+/).map(Number); });
      if (ring.length >= 3 && ring.every(function (xy) { return xy.length === 2 && !isNaN(xy[0]) && !isNaN(xy[1]); })) out.parcel = ring;
    }
    if (q.get("kbli")) out.kbli = q.get("kbli");
    if (q.get("lang") === "en" || q.get("lang") === "id") out.lang = q.get("lang");
    return out;
  }
  function visibleLayers() {
    var out = [];
    Object.keys(S.handles.layers).forEach(function (name) { if (S.map.hasLayer(S.handles.layers[name])) out.push(name); });
    return out;
  }
  function stateURL(base) {
    var q = new URLSearchParams();
    var c = S.map.getCenter();
    q.set("c", c.lat.toFixed(5) + "," + c.lng.toFixed(5));
    q.set("z", String(S.map.getZoom()));
    q.set("l", visibleLayers().join(","));
    if (S.pt) q.set("pt", S.pt[0].toFixed(6) + "," + S.pt[1].toFixed(6));
    if (S.parcel) q.set("parcel", S.parcel.map(function (xy) { return xy[0].toFixed(6) + " " + xy[1].toFixed(6); }).join(","));
    if (S.kbli) q.set("kbli", S.kbli);
    q.set("lang", S.lang);
    if (window.RTRW_THEMES) RTRW_THEMES.writeParams(q);
    return (base || location.pathname) + "?" + q.toString().replace(/%2C/g, ",").replace(/%20|\+/g, "+");
  }
  var writeURL = debounce(function () {
    if (S.config.embed) return;
    history.replaceState(null, "", stateURL());
  }, 150);

  /* ---------- language ---------- */
  function applyLang() {
    document.documentElement.lang = S.lang;
    document.querySelectorAll("[data-i18n]").forEach(function (n) { n.textContent = t(n.getAttribute("data-i18n")); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (n) { n.placeholder = t(n.getAttribute("data-i18n-placeholder")); });
    document.querySelectorAll("[data-i18n-aria]").forEach(function (n) { n.setAttribute("aria-label", t(n.getAttribute("data-i18n-aria"))); });
    var b = el("rtrw-lang"); if (b) b.textContent = S.lang === "id" ? "EN" : "ID";
    renderLegend();
    if (S.answer) renderAnswer(S.answer);
    if (window.RTRW_THEMES && RTRW_THEMES.state.S) RTRW_THEMES.relabel();
  }

  /* ---------- legend ---------- */
  function renderLegend() {
    var box = el("rtrw-legend");
    if (!box || !S.config.legend) return;
    var rows = S.config.zones.map(function (z) {
      var name = S.lang === "en" && z.name_en ? z.name_en : z.name;
      return '<li><span class="sw" style="background:' + esc(z.colour || "#bbb") + '"></span><b>' + esc(z.code) + "</b> " + esc(name || "") + "</li>";
    });
    (S.config.rasters || []).forEach(function (r) {
      var lay = S.handles.layers[r.name];
      if (!lay || !S.map.hasLayer(lay) || !r.legend) return;
      rows.push('<li class="rtrw-raster-legend" data-raster="' + esc(r.name) + '"><b>' + esc(r.title) + (r.unit ? " (" + esc(r.unit) + ")" : "") + "</b></li>");
      if (r.legend.type === "classes") {
        r.legend.classes.forEach(function (c) {
          rows.push('<li><span class="sw" style="background:' + esc(c.color) + '"></span>' + esc(c.value) + " " + esc(S.lang === "en" ? (c.name_en || c.name_id) : c.name_id) + "</li>");
        });
      } else {
        var stops = r.legend.stops || [];
        rows.push('<li><span class="rtrw-ramp-bar" style="background:linear-gradient(to right,' + stops.map(function (x) { return esc(x.color); }).join(",") + ')"></span> ' +
          (stops.length ? esc(fmt(stops[0].value)) + " – " + esc(fmt(stops[stops.length - 1].value)) : "") + "</li>");
      }
    });
    box.innerHTML = '<details' + (window.innerWidth > 700 || S.config.embed ? " open" : "") + '><summary>' + esc(t("legend")) + "</summary><ul>" + rows.join("") + "</ul></details>";
    box.hidden = rows.length === 0;
  }
  function fmt(v) { return (Math.round(v * 10) / 10).toLocaleString(S.lang === "en" ? "en" : "id-ID"); }

  /* ---------- place labels and search ---------- */
  function loadLabels() {
    var group = L.layerGroup();
    getJSON("/admin/places?level=desa" + regionParam("&")).then(function (places) {
      places.forEach(function (p) {
        L.marker([p.point[1], p.point[0]], {
          interactive: false, keyboard: false,
          icon: L.divIcon({ className: "rtrw-label-desa", html: esc(p.name), iconSize: null }),
        }).addTo(group);
      });
    }).catch(function () {});
    S.labels = group;
    function toggle() {
      var show = S.map.getZoom() >= 13;
      if (show && !S.map.hasLayer(group)) group.addTo(S.map);
      if (!show && S.map.hasLayer(group)) S.map.removeLayer(group);
    }
    S.map.on("zoomend", toggle); toggle();
  }
  function regionParam(sep) {
    return S.config.region && S.config.region.code ? sep + "region=" + encodeURIComponent(S.config.region.code) : "";
  }
  function showPlace(p, fit) {
    if (S.highlight) S.map.removeLayer(S.highlight);
    S.highlight = L.layerGroup().addTo(S.map);
    getJSON("/admin/" + encodeURIComponent(p.code)).then(function (a) {
      L.geoJSON(a.geometry, { style: { color: "#ff00aa", weight: 3, fill: false }, interactive: false }).addTo(S.highlight);
    }).catch(function () {});
    if (fit) S.map.fitBounds([[p.bbox[1], p.bbox[0]], [p.bbox[3], p.bbox[2]]], { maxZoom: 16 });
  }
  function listBox(listEl, items, label, pick) {
    listEl.innerHTML = "";
    items.forEach(function (it, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option"); li.tabIndex = 0; li.innerHTML = label(it);
      li.addEventListener("click", function () { pick(it); listEl.hidden = true; });
      li.addEventListener("keydown", function (e) { if (e.key === "Enter") { pick(it); listEl.hidden = true; } });
      listEl.appendChild(li);
    });
    listEl.hidden = items.length === 0;
  }
  function wirePlaceSearch() {
    var input = el("rtrw-place"), list = el("rtrw-place-list"), form = el("rtrw-search");
    if (!input) return;
    var run = debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) { list.hidden = true; return; }
      getJSON("/admin/places?q=" + encodeURIComponent(q) + "&limit=8" + regionParam("&")).then(function (items) {
        listBox(list, items, function (p) {
          return "<b>" + esc(p.name) + "</b> <small>" + esc(p.level_name || "") + (p.parent_name ? ", " + esc(p.parent_name) : "") + " · " + esc(p.code) + "</small>";
        }, function (p) { input.value = p.name; showPlace(p, true); });
      }).catch(function () { list.hidden = true; });
    }, 200);
    input.addEventListener("input", run);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var first = list.querySelector("li"); if (first) first.click();
    });
  }

  /* ---------- KBLI picker ---------- */
  function wireKbli() {
    var input = el("rtrw-kbli"), list = el("rtrw-kbli-list");
    if (!input) return;
    var run = debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) { list.hidden = true; return; }
      getJSON("/zoning/activities?limit=12&q=" + encodeURIComponent(q) + regionParam("&")).then(function (items) {
        listBox(list, items, function (a) {
          return "<b>" + esc(a.code || (a.kbli || [])[0] || "") + "</b> " + esc(a.title || a.name) + (a.listed ? "" : ' <small class="muted">(' + esc(t("not_listed_note")) + ")</small>");
        }, function (a) { setKbli(a.code || (a.kbli || [])[0], a.title || a.name); });
      }).catch(function () { list.hidden = true; });
    }, 200);
    input.addEventListener("input", run);
  }
  function setKbli(code, title) {
    S.kbli = code || null; S.kbliTitle = title || null;
    var input = el("rtrw-kbli"); if (input) input.value = code ? code + (title ? " — " + title : "") : "";
    writeURL();
    if (S.pt || S.parcel) runCheck();
  }

  /* ---------- the zoning check ---------- */
  function selectPoint(lat, lng) {
    S.pt = [lat, lng]; S.parcel = null;
    S.handles.drawn.clearLayers();
    if (S.marker) S.map.removeLayer(S.marker);
    S.marker = L.circleMarker([lat, lng], { radius: 7, color: "#ff00aa", weight: 3, fillOpacity: 0.3 }).addTo(S.map);
    writeURL(); runCheck();
  }
  function selectParcel(ring, layer) {
    S.parcel = ring; S.pt = null;
    if (S.marker) { S.map.removeLayer(S.marker); S.marker = null; }
    S.handles.drawn.clearLayers();
    S.handles.drawn.addLayer(layer || L.polygon(ring.map(function (xy) { return [xy[1], xy[0]]; }), { color: "#ff00aa", weight: 3, fillOpacity: 0.1 }));
    writeURL(); runCheck();
  }
  function geometry() {
    if (S.pt) return { type: "Point", coordinates: [S.pt[1], S.pt[0]] };
    var ring = S.parcel.slice();
    var a = ring[0], b = ring[ring.length - 1];
    if (a[0] !== b[0] || a[1] !== b[1]) ring.push(a);
    return { type: "Polygon", coordinates: [ring] };
  }
  var checkSeq = 0;
  function runCheck() {
    var box = el("rtrw-answer"); if (!box) return;
    var seq = ++checkSeq;
    openPanel(true);
    box.innerHTML = '<p class="muted">' + esc(t("checking")) + "</p>";
    var body = { geometry: geometry() };
    if (S.kbli) body.kbli = S.kbli;
    fetch("/zoning/check" + regionParam("?").replace("?region", "?region"), {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; });
    }).then(function (res) {
      if (seq !== checkSeq) return;
      if (res.ok) { S.answer = res.body; renderAnswer(res.body); return; }
      S.answer = null;
      if (res.body && res.body.error === "offline") { box.innerHTML = '<p class="rtrw-error">' + esc(t("offline")) + "</p>"; return; }
      var msg = res.body && res.body.message ? res.body.message[S.lang] || res.body.message.id : (res.body && res.body.detail) || res.status;
      box.innerHTML = '<p class="rtrw-error">' + esc(t("failed")) + ": " + esc(msg) + "</p>";
    }).catch(function () {
      if (seq !== checkSeq) return;
      S.answer = null;
      box.innerHTML = '<p class="rtrw-error">' + esc(t("offline")) + "</p>";
    });
  }
  function letterBadge(letter) {
    if (!letter) return "";
    var name = (t("letters") || {})[letter] || letter;
    var short = letter.length <= 2;  // I, T, B, X, TB; the others are words
    return '<span class="rtrw-badge" style="background:' + (LETTER_COLOURS[letter] || "#666") + '" data-letter="' + esc(letter) + '">' + esc(short ? letter : name) + "</span>" + (short ? " " + esc(name) : "");
  }
  function renderAnswer(a) {
    var box = el("rtrw-answer"); if (!box) return;
    var en = S.lang === "en";
    var h = [];
    var summary = a.summary ? (en ? a.summary.en : a.summary.id) : "";
    if (a.verdict) h.push('<div class="rtrw-verdict" id="rtrw-verdict">' + letterBadge(a.verdict) + "</div>");
    else h.push('<p class="muted">' + esc(t("choose_kbli")) + "</p>");
    if (summary) h.push('<p class="rtrw-summary">' + esc(summary) + "</p>");
    if (a.outside_warning) h.push('<p class="rtrw-warn">' + esc(en ? a.outside_warning.en : a.outside_warning.id) + "</p>");
    var rows = a.zones.map(function (z) {
      var name = en && z.class_name_en ? z.class_name_en : (z.class_name || z.name);
      var cond = en ? (z.conditions_en || z.conditions) : z.conditions;
      return '<tr><td><span class="sw" style="background:' + esc(z.colour || zoneColour(z.code)) + '"></span><b class="rtrw-zone-code">' + esc(z.code) + "</b><br><small>" + esc(name || "") + (z.plan ? " · " + esc(String(z.plan).toUpperCase()) : "") + "</small></td><td>" + (a.geometry_type === "Point" ? "" : pct(z.share)) + "</td><td>" + (z.itbx ? letterBadge(z.itbx) : "") + (cond ? '<br><small>' + esc(cond) + "</small>" : "") + "</td></tr>";
    });
    if (a.no_plan_share > 0) rows.push("<tr><td><i>" + esc(t(a.outside_share > 0 && a.outside_share >= a.no_plan_share ? "outside" : "no_plan")) + "</i></td><td>" + pct(a.no_plan_share) + "</td><td></td></tr>");
    h.push('<table class="rtrw-table" id="rtrw-zones"><thead><tr><th>' + esc(t("zones")) + "</th><th>" + (a.geometry_type === "Point" ? "" : esc(t("share"))) + "</th><th>" + esc(t("verdict")) + "</th></tr></thead><tbody>" + rows.join("") + "</tbody></table>");
    if (a.route) {
      h.push("<h3>" + esc(t("route")) + '</h3><p id="rtrw-route"><b>' + esc(a.route.route) + "</b> — " + esc(en ? (a.route.reason_en || a.route.reason) : a.route.reason) + (a.route.legal ? ' <small>(' + esc(a.route.legal.citation) + ")</small>" : "") + "</p>");
    }
    var env = a.envelope;
    if (env && a.geometry_type !== "Point") {
      h.push("<h3>" + esc(t("envelope")) + '</h3><dl class="rtrw-dl"><dt>' + esc(t("area")) + "</dt><dd>" + num(a.area_m2, "m²") + "</dd><dt>" + esc(t("footprint")) + "</dt><dd>" + num(env.max_footprint_m2, "m²") + "</dd><dt>" + esc(t("floor")) + "</dt><dd>" + num(env.max_floor_area_m2, "m²") + "</dd><dt>" + esc(t("green")) + "</dt><dd>" + num(env.min_green_area_m2, "m²") + "</dd><dt>" + esc(t("height")) + "</dt><dd>" + num(env.max_height_m, "m") + "</dd></dl>");
    } else if (env && env.parts && env.parts.length) {
      var p = env.parts[0];
      h.push("<h3>" + esc(t("envelope")) + '</h3><p class="rtrw-small">KDB ' + num(p.kdb_max_pct, "%") + " · KLB " + num(p.klb_max) + " · KDH " + num(p.kdh_min_pct, "%") + " · " + esc(t("height")) + " " + num(p.height_max_m, "m") + "</p>");
    }
    h.push("<h3>" + esc(t("overlays")) + "</h3>" + (a.overlays.length ? "<ul id=\"rtrw-overlays\">" + a.overlays.map(function (o) {
      var r = (o.rules || []).map(function (x) { return en ? (x.restriction_en || x.restriction) : x.restriction; }).join("; ");
      return "<li><b>" + esc(o.name || o.code || o.layer) + "</b> <small>(" + esc(o.attribute || o.layer) + (a.geometry_type === "Point" ? "" : ", " + pct(o.share)) + ")</small>" + (r ? "<br><small>" + esc(r) + "</small>" : "") + "</li>";
    }).join("") + "</ul>" : '<p class="muted">' + esc(t("none")) + "</p>"));
    if (a.rasters && a.rasters.length) {
      h.push("<h3>" + esc(t("rasters")) + '</h3><ul id="rtrw-rasters">' + a.rasters.map(function (r) {
        var unit = r.unit ? " " + r.unit : "", seen;
        if (r.value !== null && r.value !== undefined) seen = num(r.value) + unit + (r["class"] ? " (" + (en ? (r["class"].name_en || r["class"].name) : r["class"].name) + ")" : "");
        else if (r.stats) seen = "min " + num(r.stats.min) + " · max " + num(r.stats.max) + " · " + (en ? "mean " : "rata-rata ") + num(r.stats.mean) + unit;
        else seen = r.note || "–";
        var rules = (r.rules || []).map(function (x) {
          return "<br><small><b>" + esc(x.itbx || x.effect) + "</b> (" + esc(x.condition) + (a.geometry_type === "Point" ? "" : ", " + pct(x.share)) + ") " + esc(en ? (x.finding_en || x.finding) : x.finding) + (x.legal ? " — " + esc(x.legal.citation) : "") + "</small>";
        }).join("");
        return "<li><b>" + esc(r.title || r.raster) + "</b>: " + esc(seen) + rules + "</li>";
      }).join("") + "</ul>");
    }
    var desa = a.admin.filter(function (x) { return x.level === "desa"; })[0];
    var kec = a.admin.filter(function (x) { return x.level === "kecamatan"; })[0];
    if (desa || kec) {
      h.push("<h3>" + esc(t("location")) + '</h3><p id="rtrw-admin">' + (desa ? esc(t("desa")) + " <b>" + esc(desa.name) + "</b> (" + esc(desa.code) + ")" : "") + (kec ? "<br>" + esc(t("kecamatan")) + " <b>" + esc(kec.name) + "</b>" : "") + "</p>");
    }
    if (a.warnings && a.warnings.length) h.push("<details><summary>" + esc(t("warnings")) + "</summary><ul>" + a.warnings.map(function (w) { return "<li>" + esc(w) + "</li>"; }).join("") + "</ul></details>");
    var legal = (a.sources && a.sources.legal) || [];
    if (legal.length) {
      var seen = {};
      h.push("<details><summary>" + esc(t("sources")) + "</summary><ul>" + legal.filter(function (l) { var k = l.citation + (l.article || ""); if (seen[k]) return false; seen[k] = 1; return true; }).map(function (l) { return "<li>" + esc(l.citation) + (l.article ? ", " + esc(l.article) : "") + "</li>"; }).join("") + "</ul></details>");
    }
    box.innerHTML = h.join("");
    var actions = el("rtrw-actions"); if (actions) actions.hidden = false;
    var pdf = el("rtrw-pdf");
    if (pdf) {
      if (S.pt) {
        pdf.href = "/reports/zoning.pdf?lon=" + S.pt[1].toFixed(6) + "&lat=" + S.pt[0].toFixed(6) + (S.kbli ? "&kbli=" + encodeURIComponent(S.kbli) : "") + "&lang=" + S.lang;
        pdf.onclick = null;
      } else {
        pdf.href = "#";
        pdf.onclick = function (e) {
          e.preventDefault();
          var body = { geometry: geometry() }; if (S.kbli) body.kbli = S.kbli;
          fetch("/reports/zoning.pdf?lang=" + S.lang, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
            .then(function (r) { return r.blob(); }).then(function (b) { window.open(URL.createObjectURL(b), "_blank"); });
        };
      }
    }
  }

  /* ---------- panel, actions ---------- */
  function openPanel(open) {
    var p = el("rtrw-panel"); if (!p) return;
    var was = p.classList.contains("open");
    p.classList.toggle("open", open);
    document.body.classList.toggle("rtrw-panel-open", open);
    if (was === open || window.innerWidth >= 760) return;
    // on a phone the open panel takes the lower part of the screen: keep the selection in view
    setTimeout(function () {
      S.map.invalidateSize();
      var sel = S.pt ? L.latLng(S.pt[0], S.pt[1]) : (S.parcel ? S.handles.drawn.getBounds().getCenter() : null);
      if (sel) S.map.panTo(sel, { animate: false });
    }, 220);
  }
  function wireActions() {
    var toggle = el("rtrw-panel-toggle");
    if (toggle) toggle.addEventListener("click", function () { openPanel(!el("rtrw-panel").classList.contains("open")); });
    var lang = el("rtrw-lang");
    if (lang) lang.addEventListener("click", function () { S.lang = S.lang === "id" ? "en" : "id"; try { localStorage.setItem("rtrw.lang", S.lang); } catch (e) {} applyLang(); writeURL(); });
    var copy = el("rtrw-copy");
    if (copy) copy.addEventListener("click", function () {
      var url = location.origin + stateURL("/peta");
      var done = function () { copy.textContent = t("copied"); setTimeout(function () { copy.textContent = t("copy_link"); }, 1500); };
      if (navigator.clipboard) navigator.clipboard.writeText(url).then(done, done); else done();
    });
    var embed = el("rtrw-embed"), snippet = el("rtrw-snippet");
    if (embed) embed.addEventListener("click", function () {
      var b = S.map.getBounds();
      var src = location.origin + "/embed/map?layers=" + visibleLayers().join(",") + "&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",") + "&legend=1";
      var desa = S.answer && S.answer.admin.filter(function (x) { return x.level === "desa"; })[0];
      if (desa) src += "&highlight=" + encodeURIComponent(desa.code);
      snippet.value = '<iframe src="' + src + '" width="100%" height="420" style="border:0" loading="lazy" title="' + t("title") + '"></iframe>';
      snippet.hidden = false; snippet.focus(); snippet.select();
    });
  }

  /* ---------- start ---------- */
  function init(map, config, handles) {
    S.map = map; S.config = config; S.handles = handles;
    window.RTRW_CONFIG = config;
    var url = readURL();
    var stored = null; try { stored = localStorage.getItem("rtrw.lang"); } catch (e) {}
    S.lang = url.lang || config.lang || stored || "id";
    if (S.lang !== "id" && S.lang !== "en") S.lang = "id";

    if (url.l) {
      Object.keys(handles.layers).forEach(function (name) {
        var on = url.l.indexOf(name) >= 0, lay = handles.layers[name];
        if (on && !map.hasLayer(lay)) lay.addTo(map);
        if (!on && map.hasLayer(lay)) map.removeLayer(lay);
      });
    }
    var zoning = config.layers.filter(function (l) { return l.kind === "zoning"; }).map(function (l) { return handles.layers[l.name]; }).filter(Boolean);
    var pending = zoning.length;
    zoning.forEach(function (lay) { lay.once("load", function () { if (--pending <= 0) document.body.setAttribute("data-tiles", "loaded"); }); });
    if (!zoning.length) document.body.setAttribute("data-tiles", "none");

    if (url.c && url.z != null) map.setView(url.c, url.z);
    else if (url.pt) map.setView(url.pt, url.z != null ? url.z : 17);  // a QR or shared point
    else if (config.bbox) map.fitBounds([[config.bbox[1], config.bbox[0]], [config.bbox[3], config.bbox[2]]]);
    else if (config.region.bounds) { var rb = config.region.bounds; map.fitBounds([[rb[1], rb[0]], [rb[3], rb[2]]]); }

    (config.highlight || []).forEach(function (code) {
      getJSON("/admin/" + encodeURIComponent(code)).then(function (a) {
        var g = L.geoJSON(a.geometry, { style: { color: "#ff00aa", weight: 3, fill: false }, interactive: false }).addTo(map);
        if (!config.bbox && config.embed) map.fitBounds(g.getBounds(), { maxZoom: 16 });
      }).catch(function () {});
    });

    renderLegend();
    map.on("overlayadd overlayremove", function () { renderLegend(); });
    S.writeURL = writeURL;
    if (window.RTRW_THEMES) RTRW_THEMES.init(S, function () { return S.lang; });
    applyLang();
    loadLabels();
    if (config.embed) { document.body.classList.add("rtrw-embed"); return; }

    wirePlaceSearch(); wireKbli(); wireActions();
    map.on("moveend overlayadd overlayremove", writeURL);
    map.on("draw:drawstart measurestart", function () { S.drawing = true; });
    map.on("draw:drawstop measurefinish", function () { setTimeout(function () { S.drawing = false; }, 50); });
    map.on("click", function (e) { if (!S.drawing) selectPoint(e.latlng.lat, e.latlng.lng); });
    map.on("draw:created", function (e) {
      var ll = e.layer.getLatLngs()[0];
      selectParcel(ll.map(function (p) { return [p.lng, p.lat]; }), e.layer);
    });
    if (url.kbli) { S.kbli = url.kbli; var input = el("rtrw-kbli"); if (input) input.value = url.kbli; }
    if (url.pt) selectPoint(url.pt[0], url.pt[1]);
    else if (url.parcel) selectParcel(url.parcel);
    if ("serviceWorker" in navigator && !config.embed) {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    }
  }

  window.RTRW = { init: init, tileOptions: tileOptions, state: S, i18n: I18N };
})();
