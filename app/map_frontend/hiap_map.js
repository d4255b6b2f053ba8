// The app's map (a Streamlit components-v2 module, run in the page, no iframe).
// Streamlit calls the default export again whenever the payload changes; the Leaflet map made on the first
// call is kept (one per mount), so a new measure only restyles the areas and swaps the legend: zoom and pan stay.
// Geometry comes from files named by their content (hiap_geo/render/map_component.py), fetched once per page.
// Names and values from files reach the DOM as text (esc); the legend is HTML escaped by the server.

const mounts = new WeakMap();
const files = new Map();  // url -> promise of its parsed JSON, the latest last
const KEEP_PARSED = 6;
let leaflet = null;

function esc(t) {
  return String(t).replace(/[&<>"']/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[ch]);
}

function loadLeaflet(base) {
  if (window.L) return Promise.resolve(window.L);
  if (!leaflet) {
    if (!document.querySelector("link[data-hiap-leaflet]")) {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = base + "/leaflet.css";
      css.dataset.hiapLeaflet = "1";
      document.head.appendChild(css);
    }
    leaflet = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = base + "/leaflet.js";
      script.onload = () => resolve(window.L);
      script.onerror = () => { leaflet = null; reject(new Error("Leaflet could not be loaded from " + base)); };
      document.head.appendChild(script);
    });
  }
  return leaflet;
}

function fetchJson(url) {
  if (!files.has(url)) {
    files.set(url, fetch(url).then((r) => {
      if (!r.ok) throw new Error("The map file " + url + " could not be loaded (" + r.status + ").");
      return r.json();
    }).catch((err) => { files.delete(url); throw err; }));
    // the browser caches the files themselves: keep only the few latest parsed (an England map's is tens of MB)
    for (const old of files.keys()) { if (files.size <= KEEP_PARSED) break; files.delete(old); }
  }
  return files.get(url);
}

function tip(m, i) {
  const a = m.areas, d = m.data;
  const parts = ["<b>" + esc(a.code[i]) + "</b> " + esc(a.name[i])];
  if (a.wards.length) parts.push("Ward: " + esc(a.wards[a.w[i]]));
  parts.push("District: " + esc(a.districts[a.d[i]]));
  parts.push(esc(d.label) + ": <b>" + esc(d.v[i]) + "</b>");
  return parts.join("<br>");
}

// Each drawn area (SVG; a canvas has no elements) is a button to the keyboard and to a screen reader: its name and
// value as its label, Enter or Space selects it as a click does (Leaflet already shows its tip on focus).
function keyboardAreas(m) {
  const a = m.areas, d = m.data;
  m.layer.eachLayer((l) => {
    const el = l.getElement ? l.getElement() : null;
    if (!el) return;
    const i = l.feature.properties.i;
    const ward = a.wards.length ? ", " + a.wards[a.w[i]] : "";
    el.setAttribute("role", "button");
    el.setAttribute("aria-label", a.code[i] + " " + a.name[i] + ward + ": " + d.label + " " + d.v[i]);
    if (el.dataset.hiapKeys) return;
    el.dataset.hiapKeys = "1";
    el.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      if (m.trigger) m.trigger("clicked", {code: a.code[i]});
    });
  });
}

function style(m, i) {
  const d = m.data, k = d.k[i];
  const s = {fillColor: k < 0 ? d.missing : d.colours[k], fillOpacity: 0.8, color: "#4d4d4d", weight: 0.4, opacity: 1};
  if (m.selected.has(i)) { s.color = d.highlight.color; s.weight = d.highlight.weight; }
  else if (d.mark && m.marked && m.marked.has(i)) { s.color = d.mark.color; s.weight = d.mark.weight; }
  return s;
}

function bindTips(m) {
  const labels = Boolean(m.data.labels);
  m.layer.eachLayer((l) => {
    const i = l.feature.properties.i;
    l.unbindTooltip();
    if (labels) {
      l.bindTooltip(esc(m.areas.name[i]), {permanent: true, direction: "center", className: "hiap-label", opacity: 0.9});
    } else {
      l.bindTooltip(() => tip(m, i), {sticky: true});
    }
  });
  m.labels = labels;
}

// Two frames are the same when no corner moved by more than 2% of the frame's size: the other edition's or level's
// boundaries of the same districts keep the view; another district or a found area is framed.
function sameFrame(a, b) {
  if (!a) return false;
  const span = Math.max(b[1][0] - b[0][0], b[1][1] - b[0][1], 1e-6);
  return a.every((corner, i) => corner.every((v, j) => Math.abs(v - b[i][j]) <= 0.02 * span));
}

function makeMap(L, root) {
  const div = document.createElement("div");
  div.className = "hiap-map";
  root.appendChild(div);
  // What the map shows, in words, for screen readers: said politely whenever it changes (a measure, filter or step).
  const live = document.createElement("div");
  live.className = "hiap-sr-only hiap-map-live";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  root.appendChild(live);
  const map = L.map(div, {zoomSnap: 0.25});
  L.control.scale().addTo(map);
  const legend = L.control({position: "topright"});
  legend.onAdd = () => {
    const box = L.DomUtil.create("div", "hiap-legend");
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  legend.addTo(map);
  const m = {map, div, live, announced: null, legend: legend.getContainer(), layer: null, areasUrl: null, outlines: new Map(),
             tiles: null, tilesUrl: null, note: null, fit: null, touched: false, selected: new Set(), labels: null,
             attribution: null, legendHtml: null, data: null, trigger: null, generation: 0};
  map.on("click", (e) => { if (m.trigger) m.trigger("clicked", {lat: e.latlng.lat, lng: e.latlng.lng}); });
  // Where the user has the map (read by the browser tests and the benchmark: a new measure must not move it).
  map.on("moveend", () => {
    const c = map.getCenter();
    div.dataset.view = JSON.stringify({zoom: map.getZoom(), lat: +c.lat.toFixed(6), lng: +c.lng.toFixed(6)});
  });
  // Until the user moves the map, a change of its size (Streamlit laying out the columns, a wider window)
  // frames the areas again; after that, their view is kept.
  for (const kind of ["wheel", "mousedown", "touchstart", "keydown"]) {
    div.addEventListener(kind, () => { m.touched = true; }, {capture: true, passive: true});
  }
  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      map.invalidateSize();
      if (!m.touched && m.data && m.fit) map.fitBounds(m.fit, m.data.fitOptions);
    }).observe(div);
  }
  return m;
}

function setBasemap(L, m, basemap) {
  const url = basemap ? basemap.url : null;
  if (url === m.tilesUrl) return;
  if (m.tiles) { m.map.removeLayer(m.tiles); m.tiles = null; }
  if (m.note) { m.map.removeControl(m.note); m.note = null; }
  delete m.div.dataset.basemapFailed;
  m.tilesUrl = url;
  if (!basemap) return;
  const tiles = L.tileLayer(url, basemap.options).addTo(m.map);
  tiles.bringToBack();
  tiles.on("tileerror", () => {
    if (m.note || m.tiles !== tiles) return;
    m.div.dataset.basemapFailed = "1";
    const note = L.control({position: "bottomleft"});
    note.onAdd = () => { const box = L.DomUtil.create("div", "hiap-basemap-failed"); box.innerHTML = basemap.failed; return box; };
    note.addTo(m.map);
    m.note = note;
  });
  m.tiles = tiles;
}

async function setOutlines(L, m, outlines, generation) {
  const wanted = new Map(outlines.map((o) => [o.url + "|" + o.colour + "|" + o.weight, o]));
  for (const [key, layer] of m.outlines) {
    if (!wanted.has(key)) { m.map.removeLayer(layer); m.outlines.delete(key); }
  }
  for (const [key, o] of wanted) {
    if (m.outlines.has(key)) continue;
    const file = await fetchJson(o.url);
    if (generation !== m.generation || m.outlines.has(key)) return;
    const layer = L.geoJSON(hiapDecode(file.geometry), {interactive: false,
      style: {fill: false, color: o.colour, weight: o.weight, opacity: 0.9}}).addTo(m.map);
    m.outlines.set(key, layer);
  }
}

async function draw(component) {
  const {data, parentElement, setTriggerValue} = component;
  const L = await loadLeaflet(data.leaflet);
  let m = mounts.get(parentElement);
  if (!m) { m = makeMap(L, parentElement); mounts.set(parentElement, m); }
  const generation = ++m.generation;
  m.trigger = setTriggerValue;
  // A map fitted to the window ends above its bottom edge: as tall as the room below its top, within limits.
  const top = m.div.getBoundingClientRect().top + window.scrollY;
  m.div.style.height = data.minHeight >= data.height ? data.height + "px"
    : `clamp(${data.minHeight}px, calc(100vh - ${Math.round(top) + 16}px), ${data.height}px)`;
  let areas = m.areas;
  if (data.areas !== m.areasUrl) {
    const file = await fetchJson(data.areas);
    if (generation !== m.generation) return;
    if (m.layer) m.map.removeLayer(m.layer);
    m.areas = areas = file.areas;
    m.data = data;
    // many areas draw on a canvas (SVG gets slow to pan past a few thousand), whatever the map was made with
    const renderer = data.canvas ? (m.canvas = m.canvas || L.canvas()) : (m.svg = m.svg || L.svg());
    m.layer = L.geoJSON(hiapDecode(file.geometry), {style: (f) => style(m, f.properties.i), renderer})
      .addTo(m.map);
    m.areasUrl = data.areas;
    m.labels = null;
    m.selected = new Set();
  }
  m.data = data;
  const selected = new Set(data.selected);
  const changedSelection = [...selected].some((i) => !m.selected.has(i)) || [...m.selected].some((i) => !selected.has(i));
  m.selected = selected;
  m.marked = new Set(data.marked || []);  // areas with their own line (optional: a plan's named areas)
  m.layer.setStyle((f) => style(m, f.properties.i));
  if (changedSelection) m.layer.eachLayer((l) => { if (selected.has(l.feature.properties.i)) l.bringToFront(); });
  if (m.labels !== Boolean(data.labels)) bindTips(m);
  keyboardAreas(m);
  m.div.dataset.areaCount = String(m.layer.getLayers().length);
  m.div.dataset.selected = [...selected].map((i) => areas.code[i]).join(",");
  if (m.legendHtml !== data.legend) {
    const before = m.legend.querySelector("details");
    const open = before ? before.open : true;
    m.legend.innerHTML = data.legend;  // built and escaped by hiap_geo.render.maps.legend_html
    m.legendHtml = data.legend;
    const after = m.legend.querySelector("details");
    if (after) after.open = open;  // a folded legend stays folded when the measure changes
  }
  if (m.attribution !== data.attribution) {
    if (m.attribution) m.map.attributionControl.removeAttribution(esc(m.attribution));
    m.map.attributionControl.addAttribution(esc(data.attribution));
    m.attribution = data.attribution;
  }
  if (data.announce && data.announce !== m.announced) {
    m.live.textContent = data.announce;  // text, never HTML
    m.announced = data.announce;
  }
  setBasemap(L, m, data.basemap);
  if (!sameFrame(m.fit, data.fit)) {  // other districts or a found area: frame them (a new measure keeps the view)
    m.map.invalidateSize();
    m.map.fitBounds(data.fit, data.fitOptions);
    m.fit = data.fit;
    m.touched = false;
    const details = data.foldLegend ? m.legend.querySelector("details") : null;
    if (details) details.open = false;  // presenting one action: its areas stay in view
  }
  await setOutlines(L, m, data.outlines, generation);
  if (generation !== m.generation) return;
  m.div.dataset.drawn = String(generation);
  parentElement.querySelectorAll(".hiap-map-error").forEach((e) => e.remove());
}

export default function (component) {
  draw(component).catch((err) => {
    const box = document.createElement("div");
    box.className = "hiap-map-error";
    box.textContent = "The map could not be drawn: " + err.message;
    component.parentElement.appendChild(box);
  });
}
