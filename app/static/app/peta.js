/* Peta tata ruang: the little JavaScript the folium map needs (panel, KBLI picker, place
 * search, language, URL state, legend, labels). folium builds the Leaflet map and calls
 * RTRW.init(map, config, handles) last; RTRW.tileOptions(name) styles each vector-tile layer.
 * Everything is fetched from this service only. */
(function () {
  "use strict";

  // Every text comes from the service (app/l10n/texts.py, "map.*"), in config.i18n.
  var I18N = { id: {}, en: {} };
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
    relabelControls();
    renderLegend();
    if (S.answer && S.answer.lang !== S.lang && (S.pt || S.parcel)) runCheck();
    if (window.RTRW_THEMES && RTRW_THEMES.state.S) RTRW_THEMES.relabel();
  }

  // The layer control names each layer and raster by its title in the page's language (the
  // pack's title_en in English where it has one); locate and full screen get their tooltips.
  function relabelControls() {
    var titles = {};
    (S.config.layers || []).concat(S.config.rasters || []).forEach(function (x) {
      var id = x.title || x.name, en = x.title_en || id;
      titles[id] = titles[en] = S.lang === "en" ? en : id;
    });
    document.querySelectorAll(".leaflet-control-layers-overlays label span, .leaflet-control-layers-base label span").forEach(function (n) {
      var key = n.textContent.trim();
      if (titles[key] && titles[key] !== key) n.textContent = " " + titles[key];
    });
    var locate = document.querySelector(".leaflet-control-locate a");
    if (locate) locate.title = t("locate");
    var full = document.querySelector(".leaflet-control-fullscreen a, .leaflet-control-fullscreen-button");
    if (full) full.title = t("fullscreen");
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
      rows.push('<li class="rtrw-raster-legend" data-raster="' + esc(r.name) + '"><b>' + esc(S.lang === "en" && r.title_en ? r.title_en : r.title) + (r.unit ? " (" + esc(r.unit) + ")" : "") + "</b></li>");
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
    var was = box.querySelector("details");  // a re-render keeps the reader's choice
    box.innerHTML = '<details' + (!was || was.open ? " open" : "") + '><summary>' + esc(t("legend")) + "</summary><ul>" + rows.join("") + "</ul></details>";
    box.hidden = rows.length === 0;
    if (S.layoutReady) layoutControls();
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
  // `note`, when given, is a first line that cannot be picked ("no match", "did you mean").
  function listBox(listEl, items, label, pick, note) {
    listEl.innerHTML = "";
    if (note) {
      var n = document.createElement("li");
      n.className = "rtrw-list-note"; n.setAttribute("role", "presentation"); n.setAttribute("aria-disabled", "true");
      n.textContent = note;
      listEl.appendChild(n);
    }
    items.forEach(function (it, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option"); li.tabIndex = 0; li.innerHTML = label(it);
      li.addEventListener("click", function () { pick(it); listEl.hidden = true; });
      li.addEventListener("keydown", function (e) { if (e.key === "Enter") { pick(it); listEl.hidden = true; } });
      listEl.appendChild(li);
    });
    listEl.hidden = items.length === 0 && !note;
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
  // An activity's KBLI title and name in the page language (title_en/name_en when given).
  function kbliTitle(a) {
    return S.lang === "en" ? (a.title_en || a.name_en || a.title || a.name) : (a.title || a.name);
  }
  function kbliLabel(a) {
    var title = kbliTitle(a) || "", name = S.lang === "en" ? (a.name_en || a.name) : a.name;
    var sub = name && name.toLowerCase() !== title.toLowerCase() ? name : "";
    return "<b>" + esc(a.code || (a.kbli || [])[0] || "") + "</b> " + esc(title) +
      (!a.listed ? ' <small class="muted">(' + esc(t("not_listed_note")) + ")</small>" : "") +
      (sub ? '<small class="rtrw-sub">' + esc(sub) + "</small>" : "");
  }
  function wireKbli() {
    var input = el("rtrw-kbli"), list = el("rtrw-kbli-list");
    if (!input) return;
    var seq = 0;
    var run = debounce(function () {
      var q = input.value.trim(), mine = ++seq;
      if (q.length < 2) { list.hidden = true; return; }
      getJSON("/zoning/activities?limit=12&q=" + encodeURIComponent(q) + regionParam("&")).then(function (items) {
        if (mine !== seq) return;  // an older answer than the text typed since
        // nothing really matches: an empty list, or (with match) only suggestions
        var guesses = items.length > 0 && items.every(function (a) { return a.match === "suggestion"; });
        var note = !items.length ? t("kbli_none") : guesses ? t("kbli_suggest") : null;
        listBox(list, items, kbliLabel, function (a) { setKbli(a.code || (a.kbli || [])[0], kbliTitle(a)); }, note);
      }).catch(function () { if (mine === seq) list.hidden = true; });
    }, 200);
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") list.hidden = true; });
    document.addEventListener("pointerdown", function (e) {  // a tap elsewhere closes the list
      if (!list.hidden && !input.parentNode.contains(e.target)) list.hidden = true;
    });
    input.addEventListener("focus", function () { if (isPhone() && SHEET.mode !== "open") setSheet("open"); });
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
    // The answer is rendered by the service (POST /zoning/panel): the same words, numbers
    // and letters as the JSON, the PDF and the batch rows. A language switch asks again.
    var box = el("rtrw-answer"); if (!box) return;
    var seq = ++checkSeq;
    openPanel(true);
    box.innerHTML = '<p class="muted">' + esc(t("checking")) + "</p>";
    var body = { geometry: geometry() };
    if (S.kbli) body.kbli = S.kbli;
    fetch("/zoning/panel?lang=" + S.lang + regionParam("&"), {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "text/html, application/json" },
      body: JSON.stringify(body),
    }).then(function (r) {
      if (r.ok) return r.text().then(function (html) { return { ok: true, html: html }; });
      return r.json().then(function (b) { return { ok: false, status: r.status, body: b }; },
        function () { return { ok: false, status: r.status, body: null }; });
    }).then(function (res) {
      if (seq !== checkSeq) return;
      if (res.ok) { renderAnswer(res.html); return; }
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
  function renderAnswer(html) {
    var box = el("rtrw-answer"); if (!box) return;
    box.innerHTML = html;
    var body = box.querySelector(".rtrw-answer-body");
    var data = box.querySelector(".rtrw-answer-json");
    S.answer = data ? JSON.parse(data.textContent) : {};
    S.answer.lang = S.lang;
    S.answer.desa = body ? body.getAttribute("data-desa") : null;
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
    p.classList.toggle("open", open);
    document.body.classList.toggle("rtrw-panel-open", open);
    if (!isPhone()) return;
    // on a phone the sheet rises to the most the map can spare, from its top (the KBLI box);
    // the selection stays in view above it
    setSheet(open ? "open" : "closed");
    if (open) p.scrollTop = 0;
    var sel = S.pt ? L.latLng(S.pt[0], S.pt[1]) : (S.parcel ? S.handles.drawn.getBounds().getCenter() : null);
    if (sel) S.map.panTo(sel, { animate: false });
  }
  // The snippet of "Sematkan peta": /embed/map on this view, its layers, the themes that are on
  // (and their year), the desa of the answer, the page language.
  function embedSrc() {
    var b = S.map.getBounds();
    var q = ["bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",")];
    var layers = visibleLayers();
    if (layers.length) q.push("layers=" + layers.map(encodeURIComponent).join(","));
    q.push("legend=1");
    var on = window.RTRW_THEMES ? RTRW_THEMES.state.on : {};
    var themes = Object.keys(on).filter(function (k) { return on[k]; });
    if (themes.length) {
      q.push("themes=" + themes.join(","));
      var year = el("rtrw-f-year"); if (year && year.value) q.push("year=" + encodeURIComponent(year.value));
    }
    if (S.answer && S.answer.desa) q.push("highlight=" + encodeURIComponent(S.answer.desa));
    q.push("lang=" + S.lang);
    return location.origin + "/embed/map?" + q.join("&");
  }
  function wireActions() {
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
      snippet.value = '<iframe src="' + esc(embedSrc()) + '" width="100%" height="420" style="border:0" loading="lazy" title="' + esc(t("title")) + '"></iframe>';
      snippet.hidden = false; snippet.focus(); snippet.select();
    });
  }

  /* ---------- layout: the bottom sheet, controls that never cover each other, the legend ---------- */
  var DESKTOP = "(min-width: 760px)";  // where peta.css turns the sheet into a side panel
  // the most of the map an open legend (or an embed's themes box) may cover when it starts open
  var COVER = { embed: 0.25, page: 0.2, phone: 0.15 };
  // mode: "closed" (no answer: the panel's own height), "open" (an answer: all the map can
  // spare), "collapsed" (the handle and the KBLI box), "user" (dragged to h)
  var SHEET = { mode: "closed", h: 0, dragEnd: 0, frame: 0 };
  function isPhone() { return !!S.config && !S.config.embed && !!el("rtrw-panel") && !window.matchMedia(DESKTOP).matches; }
  function sheetLimits() {
    var p = el("rtrw-panel"), box = p.querySelector(".rtrw-kbli-box"), bar = el("rtrw-bar");
    var vh = window.innerHeight, natural = 0;
    var max = Math.max(0, vh - (bar ? bar.offsetHeight : 0) - Math.ceil(vh / 2) - 4);  // the map keeps half
    for (var c = p.firstElementChild; c; c = c.nextElementSibling) {
      if (c.offsetParent !== null) natural = Math.max(natural, c.offsetTop + c.offsetHeight);
    }
    var min = Math.min(max, box ? box.offsetTop + box.offsetHeight + 12 : 96);
    return { min: min, max: max, natural: natural + 12 };
  }
  function setSheet(mode, h, live) {
    var p = el("rtrw-panel"); if (!p) return;
    SHEET.mode = mode;
    if (!isPhone()) return;
    var lim = sheetLimits();
    var px = mode === "open" ? lim.max : mode === "collapsed" ? lim.min : mode === "user" ? h : lim.natural;
    px = Math.round(Math.max(lim.min, Math.min(lim.max, px)));
    if (mode === "user") SHEET.h = px;
    document.documentElement.style.setProperty("--rtrw-sheet", px + "px");
    var toggle = el("rtrw-panel-toggle");
    if (toggle) toggle.setAttribute("aria-expanded", String(px > lim.min));
    if (!live) { S.map.invalidateSize({ pan: false }); return; }
    if (!SHEET.frame) SHEET.frame = requestAnimationFrame(function () { SHEET.frame = 0; S.map.invalidateSize({ pan: false }); });
  }
  function toggleSheet() {
    var lim = sheetLimits();
    if (el("rtrw-panel").offsetHeight > lim.min + 2) { setSheet("collapsed"); return; }
    setSheet(S.answer || S.pt || S.parcel || lim.natural <= lim.min + 2 ? "open" : "closed");
  }
  // The handle: a tap collapses or opens the sheet, a drag sets its height (pointer events).
  function wireSheet() {
    var handle = el("rtrw-panel-toggle"); if (!handle) return;
    var drag = null;
    handle.addEventListener("pointerdown", function (e) {
      if (!isPhone() || (e.pointerType === "mouse" && e.button !== 0)) return;
      drag = { y: e.clientY, h: el("rtrw-panel").offsetHeight, moved: false };
      try { handle.setPointerCapture(e.pointerId); } catch (err) {}
    });
    handle.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dy) < 5) return;
      drag.moved = true;
      document.documentElement.classList.add("rtrw-dragging");
      setSheet("user", drag.h - dy, true);
    });
    function end() {
      if (!drag) return;
      var moved = drag.moved; drag = null;
      document.documentElement.classList.remove("rtrw-dragging");
      if (moved) { SHEET.dragEnd = Date.now(); S.map.invalidateSize({ pan: false }); }
    }
    handle.addEventListener("pointerup", end);
    handle.addEventListener("pointercancel", end);
    handle.addEventListener("click", function () {
      if (Date.now() - SHEET.dragEnd < 400) return;  // the click that ends a drag
      toggleSheet();
    });
    window.addEventListener("resize", function () { setSheet(SHEET.mode, SHEET.h); });
  }
  // Our own box as a Leaflet control, so that Leaflet stacks it with the others in its corner.
  function control(node, position) {
    L.DomUtil.addClass(node, "leaflet-control");
    L.DomEvent.disableClickPropagation(node);
    L.DomEvent.disableScrollPropagation(node);
    node.addEventListener("click", function (e) {  // a reader's open/close is kept from now on
      if (e.target.closest && e.target.closest("summary")) node.setAttribute("data-user", "1");
    });
    var Box = L.Control.extend({ onAdd: function () { return node; }, onRemove: function () {} });
    return new Box({ position: position }).addTo(S.map);
  }
  function cornerOf(name) { return S.map.getContainer().querySelector(".leaflet-" + name.replace("-", ".leaflet-")); }
  // The height (or width) the visible controls of a corner take, margins included.
  function stack(corner, except, wide) {
    var out = 0;
    for (var n = corner ? corner.firstElementChild : null; n; n = n.nextElementSibling) {
      if (n === except || n.offsetParent === null) continue;
      var cs = getComputedStyle(n);
      var size = wide ? n.offsetWidth + parseFloat(cs.marginLeft) + parseFloat(cs.marginRight)
        : n.offsetHeight + parseFloat(cs.marginTop) + parseFloat(cs.marginBottom);
      out = wide ? Math.max(out, size) : out + size;
    }
    return out;
  }
  // On a phone the zoom (with full screen) and locate buttons go to the lower right, above the
  // sources, and the legend under the layer button: the upper left keeps draw and measure.
  function placeControls() {
    var legend = el("rtrw-legend"), phone = isPhone();
    if (!S.config.embed) {
      var target = cornerOf(phone ? "bottom-right" : "top-left");
      (phone ? [".leaflet-control-zoom", ".leaflet-control-locate"] : [".leaflet-control-locate", ".leaflet-control-zoom"]).forEach(function (sel) {
        var ctl = S.map.getContainer().querySelector(sel);
        if (!ctl || ctl.parentNode === target) return;
        if (phone) target.insertBefore(ctl, target.firstChild); else target.appendChild(ctl);
      });
    }
    if (legend && legend.parentNode && legend.parentNode.classList.contains("leaflet-right")) {
      var home = cornerOf(phone ? "top-right" : "bottom-right");
      if (legend.parentNode !== home) {
        if (phone) home.appendChild(legend); else home.insertBefore(legend, home.firstChild);
      }
    }
  }
  // A box in a corner may use what the other controls leave: the height of its side, the width
  // beside the other side's widest control.
  function capBox(f) {
    var size = S.map.getSize(), m = 10, box = f.box;
    var room = size.y - stack(cornerOf("top-" + f.side), box) - stack(cornerOf("bottom-" + f.side), box) - 3 * m;
    var wide = size.x - Math.max(stack(cornerOf("top-" + f.other), null, true), stack(cornerOf("bottom-" + f.other), null, true)) - 3 * m;
    box.style.maxHeight = Math.max(40, Math.min(room, Math.round(size.y / 2))) + "px";
    box.style.maxWidth = Math.max(80, Math.min(f.widest, wide)) + "px";
  }
  // The boxes that fold (an embed's themes box, then the legend) start open only while together
  // they cover at most COVER of the map; one the reader has opened or closed stays so.
  function fitBoxes(list) {
    var size = S.map.getSize();
    var limit = S.config.embed ? COVER.embed : isPhone() ? COVER.phone : COVER.page;
    var budget = limit * size.x * size.y;
    var boxes = list.filter(function (f) { return f.box && !f.box.hidden && f.box.parentNode; });
    boxes.forEach(function (f) {
      f.details = f.box.tagName === "DETAILS" ? f.box : f.box.querySelector("details");
      f.auto = !!f.details && !f.box.getAttribute("data-user");
      if (f.auto) f.details.open = false;  // each is measured beside the others folded
    });
    boxes.forEach(function (f) {
      if (f.auto) f.details.open = true;
      capBox(f);
      var r = f.box.getBoundingClientRect();
      if (f.auto && r.width * r.height > budget) { f.details.open = false; r = f.box.getBoundingClientRect(); }
      budget -= r.width * r.height;  // a folded box covers its summary line
    });
    boxes.forEach(capBox);  // again, now that every box is open or folded
  }
  function layoutControls() {
    if (!S.map) return;
    placeControls();
    var size = S.map.getSize(), c = S.map.getContainer();
    var attribution = c.querySelector(".leaflet-control-attribution");
    if (attribution) attribution.style.maxWidth = Math.max(60, size.x - stack(cornerOf("bottom-left"), null, true) - 10) + "px";
    fitBoxes([
      { box: S.config.embed ? el("rtrw-themes") : null, side: "left", other: "right", widest: 260 },
      { box: el("rtrw-legend"), side: "right", other: "left", widest: 220 },
    ]);
  }
  function startLayout() {
    var legend = el("rtrw-legend");
    if (legend) control(legend, isPhone() ? "topright" : "bottomright");
    if (!S.config.embed) { wireSheet(); setSheet("closed"); }
    S.layoutReady = true;
    S.map.on("resize", layoutControls);
  }

  /* ---------- start ---------- */
  function init(map, config, handles) {
    S.map = map; S.config = config; S.handles = handles;
    I18N = config.i18n || I18N;
    window.RTRW.i18n = I18N;
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
    // the layout first (legend control, the sheet's height), so that the view fits the map's
    // final size
    S.writeURL = writeURL;
    startLayout();
    if (window.RTRW_THEMES) RTRW_THEMES.init(S, function () { return S.lang; });
    applyLang();
    map.on("overlayadd overlayremove", function () { renderLegend(); });
    if (!config.embed) setSheet("closed");

    var now = { animate: false };  // the first view at once: its tiles are the ones awaited below
    if (url.c && url.z != null) map.setView(url.c, url.z, now);
    else if (url.pt) map.setView(url.pt, url.z != null ? url.z : 17, now);  // a QR or shared point
    else if (url.parcel) map.fitBounds(url.parcel.map(function (xy) { return [xy[1], xy[0]]; }), { maxZoom: 18, animate: false });  // a shared parcel
    else if (config.bbox) map.fitBounds([[config.bbox[1], config.bbox[0]], [config.bbox[3], config.bbox[2]]], now);
    else if (config.region.bounds) { var rb = config.region.bounds; map.fitBounds([[rb[1], rb[0]], [rb[3], rb[2]]], now); }
    // data-tiles="loaded" once the zoning tiles of this view (not of folium's first one) are drawn
    var zoning = config.layers.filter(function (l) { return l.kind === "zoning"; }).map(function (l) { return handles.layers[l.name]; }).filter(function (lay) { return lay && map.hasLayer(lay); });
    var pending = zoning.length;
    zoning.forEach(function (lay) { lay.once("load", function () { if (--pending <= 0) document.body.setAttribute("data-tiles", "loaded"); }); });
    if (!zoning.length) document.body.setAttribute("data-tiles", "none");

    (config.highlight || []).forEach(function (code) {
      getJSON("/admin/" + encodeURIComponent(code)).then(function (a) {
        var g = L.geoJSON(a.geometry, { style: { color: "#ff00aa", weight: 3, fill: false }, interactive: false }).addTo(map);
        if (!config.bbox && config.embed) map.fitBounds(g.getBounds(), { maxZoom: 16 });
      }).catch(function () {});
    });

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

  window.RTRW = { init: init, tileOptions: tileOptions, state: S, i18n: I18N, control: control, layout: function () { if (S.layoutReady) layoutControls(); } };
})();
