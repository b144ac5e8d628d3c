#!/usr/bin/env bash
# Vendor the browser assets the service serves itself into app/static/vendor/<package>/:
# Leaflet and the plugins folium's map pages use, jQuery (folium's Popup builds its content
# with $(...)), Swagger UI (/docs) and ReDoc (/redoc). Pages then make no request outside the
# service (app/services/maps/assets.py points folium at these copies).
#
# Run by a maintainer when a version changes (edit the pins below), not by setup or CI.
# Needs npm: `npm pack` fetches each pinned tarball from the configured registry into a
# temporary directory (nothing is installed, no lock file is written). Only the minified dist
# files, the images/fonts their CSS references and the licence files are copied, byte for
# byte except for the one ReDoc patch below (source maps are left out, so a `sourceMappingURL`
# comment 404s in devtools only).
# app/static/vendor/VERSIONS.txt records package, version, licence and the tarball integrity.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/app/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

command -v npm >/dev/null || { echo "vendor-assets: npm is needed" >&2; exit 1; }
command -v node >/dev/null || { echo "vendor-assets: node is needed" >&2; exit 1; }

rm -rf "$DEST"
mkdir -p "$DEST"
printf 'package\tversion\tlicence\tintegrity\n' >"$DEST/VERSIONS.txt"

# vendor NAME VERSION DIR FILE... : copy DIR/FILE from the npm tarball to vendor/NAME/FILE.
vendor() {
    local name="$1" version="$2" dir="$3"
    shift 3
    local out="$DEST/$name" pkg="$WORK/$name"
    mkdir -p "$pkg" "$out"
    local meta
    meta="$(cd "$WORK" && npm pack --json --silent "$name@$version")"
    local tgz integrity
    tgz="$(node -e 'const m = JSON.parse(process.argv[1])[0]; console.log(m.filename)' "$meta")"
    integrity="$(node -e 'const m = JSON.parse(process.argv[1])[0]; console.log(m.integrity)' "$meta")"
    tar -xzf "$WORK/$tgz" -C "$pkg" --no-same-owner --warning=no-unknown-keyword
    pkg="$pkg/package"

    local file
    for file in "$@"; do
        install -D -m 644 "$pkg/$dir/$file" "$out/$file"
        # webpack bundles keep the licence comments of what they bundle next to them
        if [[ -f "$pkg/$dir/$file.LICENSE.txt" ]]; then
            install -m 644 "$pkg/$dir/$file.LICENSE.txt" "$out/$file.LICENSE.txt"
        fi
    done

    local licence
    licence="$(node -e 'const p = require(process.argv[1]); console.log(p.license || "UNKNOWN")' "$pkg/package.json")"
    local found=""
    for file in LICENSE LICENSE.txt LICENSE.md LICENCE license; do
        if [[ -f "$pkg/$file" ]]; then
            install -m 644 "$pkg/$file" "$out/LICENSE.txt"
            found=1
            break
        fi
    done
    if [[ -z "$found" ]]; then
        # The tarball has no licence file: record the declared licence and the copyright
        # header of the first file copied, and say where the full text lives.
        node -e '
            const [pkgJson, first, name, version] = process.argv.slice(1);
            const p = require(pkgJson);
            const src = require("fs").readFileSync(first, "utf8");
            const header = (src.match(/^\s*\/\*[\s\S]*?\*\//) || [""])[0];
            const repo = typeof p.repository === "string" ? p.repository : (p.repository || {}).url || "";
            const deps = Object.entries(p.dependencies || {}).map(([d, v]) => `${d}@${v}`);
            const lines = [
                `${name} ${version}: the npm package ships no licence file.`,
                `Licence declared in its package.json: ${p.license || "UNKNOWN"}.`,
                `Upstream repository (full licence text): ${repo || "see package.json"}.`,
            ];
            if (deps.length) lines.push(`Bundled dependencies (each under its own licence): ${deps.join(", ")}.`);
            if (header) lines.push("", "Header of the distributed file:", header);
            console.log(lines.join("\n"));
        ' "$pkg/package.json" "$pkg/$dir/$1" "$name" "$version" >"$out/LICENSE.txt"
    fi
    if [[ -f "$pkg/NOTICE" ]]; then
        install -m 644 "$pkg/NOTICE" "$out/NOTICE.txt"
    fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$version" "$licence" "$integrity" >>"$DEST/VERSIONS.txt"
    echo "vendored $name@$version ($licence)"
}

# folium.Map: leaflet (folium 0.20 pins 1.9.3; 1.9.4 is the 1.9 bug-fix release) and jQuery
vendor leaflet 1.9.4 dist leaflet.js leaflet.css \
    images/layers.png images/layers-2x.png \
    images/marker-icon.png images/marker-icon-2x.png images/marker-shadow.png
vendor jquery 3.7.1 dist jquery.min.js
# folium.plugins.Draw
vendor leaflet-draw 1.0.4 dist leaflet.draw.js leaflet.draw.css \
    images/spritesheet.png images/spritesheet-2x.png images/spritesheet.svg
# folium.plugins.VectorGridProtobuf (L.vectorGrid.protobuf; the bundled build includes pbf)
vendor leaflet.vectorgrid 1.3.0 dist Leaflet.VectorGrid.bundled.min.js
# folium.plugins.LocateControl (folium names 0.66.2, which needs Font Awesome for its icon;
# 0.79+ draws its own CSS icon and keeps the same L.control.locate API)
vendor leaflet.locatecontrol 0.90.1 dist L.Control.Locate.min.js L.Control.Locate.min.css
# folium.plugins.MeasureControl uses ljagis/leaflet-measure 2.1.7: exactly that
vendor leaflet-measure 2.1.7 dist leaflet-measure.min.js leaflet-measure.css \
    images/cancel.png images/cancel_@2X.png images/check.png images/check_@2X.png \
    images/focus.png images/focus_@2X.png images/rulers.png images/rulers_@2X.png \
    images/start.png images/start_@2X.png images/trash.png images/trash_@2X.png
# folium.plugins.Fullscreen (brunob/leaflet.fullscreen 3.0.0, as folium names it)
vendor leaflet.fullscreen 3.0.0 . Control.FullScreen.js Control.FullScreen.css icon-fullscreen.svg
# folium.plugins.MarkerCluster (budget projects on the map)
vendor leaflet.markercluster 1.5.3 dist leaflet.markercluster.js MarkerCluster.css \
    MarkerCluster.Default.css
# /docs and /redoc (FastAPI's defaults are swagger-ui-dist@5 and redoc@2)
vendor swagger-ui-dist 5.35.0 . swagger-ui-bundle.js swagger-ui.css favicon-32x32.png
vendor redoc 2.5.4 bundles redoc.standalone.js

# The one change to a vendored file: ReDoc 2 always shows the Redocly logo in its side menu
# from cdn.redoc.ly. Point the <img> at an empty data: URL instead; its onError handler then
# hides the image, and the "API docs by Redocly" link stays.
redoc_js="$DEST/redoc/redoc.standalone.js"
sed -i 's|"https://cdn\.redoc\.ly/redoc/logo-mini\.svg"|"data:,"|g' "$redoc_js"
if grep -q 'cdn\.redoc\.ly' "$redoc_js"; then
    echo "vendor-assets: $redoc_js still names cdn.redoc.ly: update the patch above" >&2
    exit 1
fi
cat >"$DEST/redoc/PATCHES.txt" <<'EOF'
redoc.standalone.js differs from the npm tarball in one string (scripts/vendor-assets.sh):
the side-menu logo URL https://cdn.redoc.ly/redoc/logo-mini.svg is replaced by "data:,",
so /redoc makes no request outside the service (the logo is hidden, the attribution link stays).
EOF

# Every url(...) in a vendored stylesheet must name a file that was copied.
missing=0
while IFS= read -r css; do
    while IFS= read -r ref; do
        case "$ref" in data:* | \#* | "") continue ;; esac
        target="$(dirname "$css")/${ref%%[?#]*}"
        if [[ ! -f "$target" ]]; then
            echo "vendor-assets: $css references missing $ref" >&2
            missing=1
        fi
    done < <(grep -oE 'url\([^)]*\)' "$css" | sed -E "s/^url\(['\"]?//; s/['\"]?\)$//")
done < <(find "$DEST" -name '*.css')
[[ "$missing" == 0 ]] || exit 1

du -sh "$DEST"
