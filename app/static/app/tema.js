/* Budget (APBD) and village PPID on the map: project markers clustered and coloured by
 * progress, a budget choropleth per desa or kecamatan, a PPID coverage choropleth with the
 * list of villages without one, filters by year, OPD and source. peta.js calls
 * RTRW_THEMES.init(state, t) once the map is up; the state lives in the URL (th, y, opd, src). */
(function () {
  "use strict";

  // Every text comes from the service (app/l10n/texts.py, "themes.*"): config.i18n_themes.
  var TXT = { id: {}, en: {} };
  var RAMP = ["#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c"];
  var T = { S: null, lang: function () { return "id"; }, on: {}, data: {}, layers: {} };

  function tx(k) { var l = T.lang(); return (TXT[l] || TXT.id)[k] || k; }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function rupiah(v) {
    if (v == null) return "–";
    return "Rp " + Number(v).toLocaleString(T.lang() === "id" ? "id-ID" : "en-GB", { maximumFractionDigits: 0 });
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (b) { if (!r.ok) throw b; return b; });
    });
  }
  function filters() {
    var q = [];
    ["year", "opd", "source"].forEach(function (k) {
      var e = document.getElementById("rtrw-f-" + k);
      if (e && e.value) q.push(k + "=" + encodeURIComponent(e.value));
    });
    return q.join("&");
  }
  function progressColour(p) {
    if (p == null) return "#888";
    if (p >= 100) return "#1a9641";
    if (p >= 50) return "#a6d96a";
    if (p > 0) return "#fdae61";
    return "#d7191c";
  }

  /* ---------- projects ---------- */
  function loadProjects() {
    var group = T.layers.projects;
    group.clearLayers();
    T.data.projectCount = 0;
    function page(url) {
      return getJSON(url).then(function (fc) {
        (fc.features || []).forEach(addProject);
        T.data.projectCount += (fc.features || []).length;
        var next = (fc.links || []).filter(function (l) { return l.rel === "next"; })[0];
        if (next) {
          var u = new URL(next.href, location.origin);  // same origin, whatever host it names
          return page(u.pathname + u.search);
        }
      });
    }
    return page("/projects?format=geojson&limit=1000&" + filters()).then(renderInfo).catch(function () {});
  }
  function addProject(f) {
    if (!f.geometry) return;
    var p = f.properties || {};
    var flagged = (p.flags || []).length > 0;
    var ll;
    if (f.geometry.type === "Point") ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
    else {
      var line = L.geoJSON(f.geometry, { style: { color: progressColour(p.progress), weight: 4, opacity: 0.8 } });
      T.layers.projectLines.addLayer(line);
      ll = line.getBounds().getCenter();
    }
    var m = L.circleMarker(ll, {
      radius: 7, color: flagged ? "#000" : "#fff", weight: flagged ? 2.5 : 1.5,
      fillColor: progressColour(p.progress), fillOpacity: 0.95,
    });
    m.bindPopup(function () { return popup(p); }, { maxWidth: 300 });
    T.layers.projects.addLayer(m);
  }
  // A flag's reason in the page language: {id, en}, reason_id/reason_en, or one text; the
  // code itself only when no reason came with it.
  function reasonOf(x) {
    var l = T.lang(), r = x.reason;
    if (r && typeof r === "object") return r[l] || r.id || r.en || "";
    return x["reason_" + l] || x.reason_id || x.reason_en || r || "";
  }
  function popup(p) {
    var flags = (p.flags || []).map(function (x) {
      return '<li data-flag="' + esc(x.flag) + '">' + esc(reasonOf(x) || x.flag) + "</li>";
    }).join("");
    return '<div class="rtrw-popup"><b>' + esc(p.name) + "</b><br><small>" + esc(p.opd_name || "") + (p.year ? " · " + p.year : "") +
      (p.desa_name ? " · " + esc(p.desa_name) : "") + "</small><table>" +
      "<tr><td>" + esc(tx("pagu")) + "</td><td>" + rupiah(p.pagu) + "</td></tr>" +
      "<tr><td>" + esc(tx("realisation")) + "</td><td>" + rupiah(p.realisation) + "</td></tr>" +
      "<tr><td>" + esc(tx("progress")) + "</td><td>" + (p.progress == null ? "–" : p.progress + " %") + "</td></tr>" +
      "<tr><td>" + esc(tx("source")) + "</td><td>" + esc(p.source || "–") + "</td></tr></table>" +
      (flags ? '<div class="rtrw-flags"><b>' + esc(tx("flags")) + "</b><ul>" + flags + "</ul></div>" : "") + "</div>";
  }

  /* ---------- choropleths on the admin tiles ---------- */
  function adminLayerFor(level) {
    var ls = T.S.config.layers.filter(function (l) { return l.kind === "admin" && (l.levels || []).indexOf(level) >= 0; });
    return ls[0] || null;
  }
  function choropleth(key, level, styleOf) {
    var layer = adminLayerFor(level);
    if (!layer) return null;
    var styles = {};
    styles[layer.name] = function (p) {
      if ((p.level || 0) !== level) return { fill: false, stroke: false };
      return styleOf(p);
    };
    return L.vectorGrid.protobuf(layer.tiles, { vectorTileLayerStyles: styles, interactive: false, rendererFactory: L.canvas.tile, maxNativeZoom: 18 });
  }
  // Quantile breaks of the positive totals: RAMP[0] is "no project", RAMP[1..4] four classes
  // (upper bounds br[0..2]; the last class is open). app/services/maps/themes.py does the same.
  function breaks(values) {
    var v = values.filter(function (x) { return x > 0; }).sort(function (a, b) { return a - b; });
    if (!v.length) return [];
    var out = [], n = RAMP.length - 1;
    for (var i = 1; i < n; i++) out.push(v[Math.min(v.length - 1, Math.floor((i * v.length) / n))]);
    return out;
  }
  function classOf(x, br) {
    if (!x || x <= 0) return 0;
    var i = 0; while (i < br.length && x > br[i]) i++;
    return 1 + i;
  }
  function loadBudget(by) {
    return getJSON("/budget/summary?by=" + by + "&" + filters()).then(function (s) {
      var m = {}; s.groups.forEach(function (g) { if (g.key) m[g.key] = g; });
      T.data[by] = { map: m, breaks: breaks(s.groups.map(function (g) { return g.pagu; })), total: s.total };
      var lay = T.layers[by === "desa" ? "budget" : "budget_kec"];
      if (lay) lay.redraw();
      renderInfo();
    }).catch(function () {});
  }
  function budgetStyle(by) {
    return function (p) {
      var d = T.data[by] || { map: {}, breaks: [] };
      var g = d.map[p.code];
      return { fill: true, fillColor: RAMP[g ? classOf(g.pagu, d.breaks) : 0], fillOpacity: g ? 0.75 : 0.25, color: "#555", weight: 0.5 };
    };
  }
  function loadPpid() {
    return getJSON("/ppid/desa" + regionQuery("?")).then(function (rows) {
      var m = {}; rows.forEach(function (r) { m[r.code] = r; });
      T.data.ppid = { map: m, gaps: rows.filter(function (r) { return !r.formed; }) };
      if (T.layers.ppid) T.layers.ppid.redraw();
      renderInfo();
    }).catch(function () {});
  }
  function ppidStyle(p) {
    var d = (T.data.ppid || { map: {} }).map[p.code];
    if (!d) return { fill: true, fillColor: "#d9d9d9", fillOpacity: 0.4, color: "#777", weight: 0.4 };  // kelurahan
    return { fill: true, fillColor: d.formed ? "#4daf4a" : "#e41a1c", fillOpacity: 0.6, color: "#555", weight: 0.5 };
  }
  function regionQuery(sep) {
    var r = T.S.config.region && T.S.config.region.code;
    return r ? sep + "region=" + encodeURIComponent(r) : "";
  }

  /* ---------- panel ---------- */
  function renderInfo() {
    var box = document.getElementById("rtrw-theme-info"); if (!box) return;
    var h = [];
    if (T.on.projects) {
      h.push('<p class="rtrw-small"><b>' + (T.data.projectCount || 0) + "</b> " + esc(tx("projects_n")) +
        ' · <span class="sw" style="background:#d7191c"></span>0 % <span class="sw" style="background:#fdae61"></span>&lt;50 % ' +
        '<span class="sw" style="background:#a6d96a"></span>&lt;100 % <span class="sw" style="background:#1a9641"></span>100 %</p>');
    }
    ["desa", "kecamatan"].forEach(function (by) {
      var key = by === "desa" ? "budget" : "budget_kec";
      if (!T.on[key] || !T.data[by]) return;
      var br = T.data[by].breaks, total = T.data[by].total;
      var items = RAMP.map(function (c, i) {
        if (i === 0) return '<li><span class="sw" style="background:' + c + '"></span>0</li>';
        var lo = i === 1 ? 0 : br[i - 2], hi = br[i - 1];
        return '<li><span class="sw" style="background:' + c + '"></span>' + (i === 1 ? "&gt; 0" : rupiah(lo)) + (hi != null ? " – " + rupiah(hi) : "+") + "</li>";
      });
      h.push("<p class='rtrw-small'><b>" + esc(tx(key)) + "</b>: " + esc(tx("pagu")) + " " + rupiah(total.pagu) + ", " + esc(tx("realisation")) + " " + rupiah(total.realisation) + '</p><ul class="rtrw-ramp">' + items.join("") + "</ul>");
    });
    if (T.on.ppid && T.data.ppid) {
      var all = Object.keys(T.data.ppid.map).length, gaps = T.data.ppid.gaps;
      var pct = all ? Math.round(((all - gaps.length) / all) * 1000) / 10 : 0;
      h.push('<p class="rtrw-small" id="rtrw-ppid-summary"><b>' + esc(tx("coverage")) + "</b>: " + (all - gaps.length) + "/" + all + " (" + (T.lang() === "id" ? String(pct).replace(".", ",") : pct) + " %) " +
        '<span class="sw" style="background:#4daf4a"></span>' + esc(tx("formed")) + ' <span class="sw" style="background:#e41a1c"></span>' + esc(tx("not_formed")) +
        ' <span class="sw" style="background:#d9d9d9"></span>' + esc(tx("kelurahan")) + "</p>");
      h.push("<b>" + esc(tx("no_ppid")) + '</b><ul id="rtrw-ppid-gaps" class="rtrw-gaps">' + (gaps.length ? gaps.map(function (g) {
        return '<li><a href="#" data-lon="' + g.point[0] + '" data-lat="' + g.point[1] + '">' + esc(g.name) + "</a> <small>(" + (g.kecamatan ? esc(g.kecamatan) + ", " : "") + esc(g.code) + ")</small></li>";
      }).join("") : "<li>" + esc(tx("none")) + "</li>") + "</ul>");
    }
    box.innerHTML = h.join("");
    box.querySelectorAll("#rtrw-ppid-gaps a").forEach(function (a) {
      a.addEventListener("click", function (e) { e.preventDefault(); T.S.map.setView([+a.dataset.lat, +a.dataset.lon], 15); });
    });
    if (T.S.config.embed && window.RTRW && RTRW.layout) RTRW.layout();  // the box grew: fit it again
  }
  function options(sel, values, current) {
    sel.innerHTML = '<option value="">' + esc(tx("all")) + "</option>" + values.map(function (v) {
      var val = typeof v === "object" ? v.value : v, label = typeof v === "object" ? v.label : v;
      return '<option value="' + esc(val) + '"' + (String(val) === String(current || "") ? " selected" : "") + ">" + esc(label) + "</option>";
    }).join("");
  }
  function renderControls(url) {
    var hint = document.getElementById("rtrw-hint");
    var box = document.getElementById("rtrw-themes");
    if (!box) {
      box = document.createElement("details");
      box.id = "rtrw-themes"; box.className = "rtrw-themes";
      box.open = !!(url.th && url.th.length);  // later renders keep the reader's choice
      if (hint) hint.parentNode.insertBefore(box, hint);
      else if (window.RTRW && RTRW.control) RTRW.control(box, "topleft");  // an embed: on the map
      else document.body.appendChild(box);
    }
    var cfg = T.S.config.budget || { years: [], opds: [], sources: [] };
    box.innerHTML = "<summary>" + esc(tx("themes")) + '</summary><div class="rtrw-theme-box">' +
      ["projects", "budget", "budget_kec", "ppid"].map(function (k) {
        return '<label class="rtrw-check"><input type="checkbox" id="rtrw-th-' + k + '"' + (T.on[k] ? " checked" : "") + "> " + esc(tx(k)) + "</label>";
      }).join("") +
      '<div class="rtrw-filters"><label>' + esc(tx("year")) + ' <select id="rtrw-f-year"></select></label>' +
      "<label>" + esc(tx("opd")) + ' <select id="rtrw-f-opd"></select></label>' +
      "<label>" + esc(tx("source")) + ' <select id="rtrw-f-source"></select></label></div>' +
      '<div id="rtrw-theme-info"></div></div>';
    options(document.getElementById("rtrw-f-year"), cfg.years, url.y);
    options(document.getElementById("rtrw-f-opd"), cfg.opds.map(function (o) { return { value: o.code || o.name, label: o.name || o.code }; }), url.opd);
    options(document.getElementById("rtrw-f-source"), cfg.sources, url.src);
    ["projects", "budget", "budget_kec", "ppid"].forEach(function (k) {
      document.getElementById("rtrw-th-" + k).addEventListener("change", function (e) { toggle(k, e.target.checked); });
    });
    ["year", "opd", "source"].forEach(function (k) {
      document.getElementById("rtrw-f-" + k).addEventListener("change", function () { refresh(); T.S.writeURL(); });
    });
    renderInfo();
  }
  function refresh() {
    if (T.on.projects) loadProjects();
    if (T.on.budget) loadBudget("desa");
    if (T.on.budget_kec) loadBudget("kecamatan");
  }
  function toggle(k, on) {
    T.on[k] = on;
    var lay = T.layers[k];
    if (k === "projects") {
      [T.layers.projects, T.layers.projectLines].forEach(function (g) { if (on) g.addTo(T.S.map); else T.S.map.removeLayer(g); });
      if (on) loadProjects();
    } else if (lay) {
      if (on) { lay.addTo(T.S.map); if (k === "ppid") loadPpid(); else loadBudget(k === "budget" ? "desa" : "kecamatan"); }
      else T.S.map.removeLayer(lay);
    }
    renderInfo();
    T.S.writeURL();
  }

  /* ---------- URL ---------- */
  function readURL() {
    var q = new URLSearchParams(location.search), out = {};
    out.th = q.get("th") ? q.get("th").split(",") : (T.S.config.themes || []);
    out.y = q.get("y") || T.S.config.theme_year || ""; out.opd = q.get("opd") || ""; out.src = q.get("src") || "";
    return out;
  }
  function writeParams(q) {
    var th = Object.keys(T.on).filter(function (k) { return T.on[k]; });
    if (th.length) q.set("th", th.join(","));
    var y = document.getElementById("rtrw-f-year"), o = document.getElementById("rtrw-f-opd"), s = document.getElementById("rtrw-f-source");
    if (y && y.value) q.set("y", y.value);
    if (o && o.value) q.set("opd", o.value);
    if (s && s.value) q.set("src", s.value);
  }

  function init(S, lang) {
    T.S = S; T.lang = lang;
    TXT = (S.config && S.config.i18n_themes) || TXT;
    if (!S.config.budget) return;
    // an embed shows only the themes its URL names; with none, no box either
    if (S.config.embed && !(S.config.themes || []).length) return;
    T.layers.projects = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45, chunkedLoading: true });
    T.layers.projectLines = L.layerGroup();
    T.layers.budget = choropleth("budget", 4, budgetStyle("desa"));
    T.layers.budget_kec = choropleth("budget_kec", 3, budgetStyle("kecamatan"));
    T.layers.ppid = choropleth("ppid", 4, ppidStyle);
    var url = readURL();
    renderControls(url);
    T.ready = true;
    url.th.forEach(function (k) {
      var box = document.getElementById("rtrw-th-" + k);
      if (box) { box.checked = true; toggle(k, true); }
    });
  }

  window.RTRW_THEMES = { init: init, writeParams: writeParams, relabel: function (url) { if (T.ready) renderControls(url || readURL()); }, state: T };
})();
