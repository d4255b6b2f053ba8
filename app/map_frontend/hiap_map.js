// The app's map (a Streamlit components-v2 module, run in the page, no iframe).
// Streamlit calls the default export again whenever the payload changes; the Leaflet map made on the first
// call is kept (one per mount), so a new measure only restyles the areas and swaps the legend: zoom and pan stay.
// Geometry comes from files named by their content (hiap_geo/render/map_component.py), fetched once per page.
// Names and values from files reach the DOM as text (esc); the legend is HTML escaped by the server.
// The first paint needs the geometry file alone; the areas' names and codes come in their own file, fetched once
// the areas are drawn (tooltips and keyboard labels name the areas when it arrives).

const mounts = new WeakMap();
const files = new Map();  // url -> promise of its parsed JSON, the latest last
const KEEP_PARSED = 6;
let leaflet = null;
let legendIds = 0;
// The reader's last choice of legend folded or open in this tab, for maps whose legend starts folded (false) and
// those that start open (presentation, true): kept across reruns, and when Streamlit mounts the map again.
const legendChoice = new Map();

function esc(t) {
  return String(t).replace(/[&<>"']/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[ch]);
}

function loadLeaflet(base) {
  // Leaflet's stylesheet first, whoever loaded its script: the component's loader may have loaded it already
  if (!document.querySelector("link[data-hiap-leaflet]")) {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = base + "/leaflet.css";
    css.dataset.hiapLeaflet = "1";
    document.head.appendChild(css);
  }
  if (window.L) return Promise.resolve(window.L);
  if (!leaflet) {
    leaflet = new Promise((resolve, reject) => {
      // the component's loader (app/map_component.py) may have started it while this module was being fetched
      let script = document.querySelector("script[data-hiap-leaflet]");
      if (!script) {
        script = document.createElement("script");
        script.src = base + "/leaflet.js";
        script.dataset.hiapLeaflet = "1";
        document.head.appendChild(script);
      }
      script.addEventListener("load", () => resolve(window.L));
      script.addEventListener("error", () => {
        leaflet = null;
        script.remove();
        reject(new Error("Leaflet could not be loaded from " + base));
      });
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
  const parts = [];
  if (a) {  // until the names file arrives, the tip gives the value alone
    parts.push("<b>" + esc(a.code[i]) + "</b> " + esc(a.name[i]));
    if (a.wards.length) parts.push("Ward: " + esc(a.wards[a.w[i]]));
    parts.push("District: " + esc(a.districts[a.d[i]]));
  }
  parts.push(esc(d.label) + ": <b>" + esc(d.v[i]) + "</b>");
  return parts.join("<br>");
}

// Each drawn area (SVG; a canvas has no elements) is a button to the keyboard and to a screen reader: its name and
// value as its label, Enter or Space selects it as a click does (Leaflet already shows its tip on focus). The areas
// are one Tab stop (a roving tabindex, as a list box's options): Tab reaches them once and leaves them (a district's
// 69 areas were 69 presses of Tab), the arrow keys move from area to area, Home and End to the first and last.
const AREA_STEPS = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};

function keyboardAreas(m) {
  const a = m.areas, d = m.data;
  const layers = m.layer.getLayers();
  if (!layers.some((l) => l.feature.properties.i === m.rover)) {  // a new map: its selected area, else its first
    const first = layers.find((l) => m.selected.has(l.feature.properties.i)) || layers[0];
    m.rover = first ? first.feature.properties.i : null;
  }
  m.layer.eachLayer((l) => {
    const el = l.getElement ? l.getElement() : null;
    if (!el) return;
    const i = l.feature.properties.i;
    const name = a ? a.code[i] + " " + a.name[i] + (a.wards.length ? ", " + a.wards[a.w[i]] : "") + ": " : "";
    el.setAttribute("role", "button");
    el.setAttribute("aria-label", name + d.label + " " + d.v[i]);
    el.setAttribute("tabindex", i === m.rover ? "0" : "-1");
    if (i === m.rover) m.roverEl = el;
    if (el.dataset.hiapKeys) return;
    el.dataset.hiapKeys = "1";
    el.addEventListener("focus", () => rove(m, el, i));  // by Tab, an arrow key or a click: the stop moves with it
    el.addEventListener("keydown", (e) => {
      const step = AREA_STEPS[e.key];
      if (step || e.key === "Home" || e.key === "End") {
        e.preventDefault();
        e.stopPropagation();  // the area's neighbour, not a pan of the map
        const all = m.layer.getLayers().filter((x) => x.getElement && x.getElement());
        const at = all.indexOf(l);
        const next = e.key === "Home" ? 0 : e.key === "End" ? all.length - 1 : (at + step + all.length) % all.length;
        all[next].getElement().focus();
        return;
      }
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      if (!m.trigger) return;
      if (m.areas) { m.trigger("clicked", {code: m.areas.code[i]}); return; }
      const c = l.getBounds().getCenter();  // names not here yet: select it as a click on it would
      m.trigger("clicked", {lat: c.lat, lng: c.lng});
    });
  });
}

function rove(m, el, i) {
  if (m.roverEl && m.roverEl !== el) m.roverEl.setAttribute("tabindex", "-1");
  el.setAttribute("tabindex", "0");
  m.rover = i;
  m.roverEl = el;
}

function style(m, i) {
  const d = m.data, k = d.k[i];
  const s = {fillColor: k < 0 ? d.missing : d.colours[k], fillOpacity: 0.8, color: "#4d4d4d", weight: 0.4, opacity: 1};
  if (m.selected.has(i)) { s.color = d.highlight.color; s.weight = d.highlight.weight; }
  else if (d.mark && m.marked && m.marked.has(i)) { s.color = d.mark.color; s.weight = d.mark.weight; }
  return s;
}

function bindTips(m) {
  const labels = Boolean(m.data.labels) && Boolean(m.areas);  // names on the map once they have arrived
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
  // The legend: a small "Legend" button (with the classes' colours in a strip) that opens and folds a panel.
  const legend = L.control({position: "topright"});
  legend.onAdd = () => {
    const box = L.DomUtil.create("div", "hiap-legend");
    const button = L.DomUtil.create("button", "hiap-legend-toggle", box);
    button.type = "button";
    const panel = L.DomUtil.create("div", "hiap-legend-panel", box);
    panel.id = "hiap-legend-panel-" + (++legendIds);
    // a long legend scrolls within its limits: the keyboard must reach it too (a named region)
    panel.tabIndex = 0;
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-label", "Legend");
    button.setAttribute("aria-controls", panel.id);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  legend.addTo(map);
  const box = legend.getContainer();
  const m = {map, div, live, announced: null, legend: box.querySelector(".hiap-legend-panel"), legendBox: box,
             legendButton: box.querySelector("button"), legendOpen: null, legendDefault: null, layer: null,
             areasUrl: null, namesUrl: null, outlines: new Map(),
             tiles: null, tilesUrl: null, note: null, fit: null, touched: false, selected: new Set(), labels: null,
             attribution: null, legendHtml: null, data: null, trigger: null, generation: 0, rover: null, roverEl: null};
  m.legendButton.addEventListener("click", () => {
    setLegendOpen(m, !m.legendOpen);
    legendChoice.set(m.legendDefault, m.legendOpen);
  });
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
      fitLegend(m);
      if (!m.touched && m.data && m.fit) map.fitBounds(m.fit, m.data.fitOptions);
    }).observe(div);
  }
  return m;
}

function setLegendOpen(m, open) {
  m.legendOpen = open;
  m.legendButton.setAttribute("aria-expanded", String(open));
  m.legendButton.title = (open ? "Fold the legend" : "Open the legend") + (m.data ? ": " + m.data.legendTitle : "");
  m.legend.hidden = !open;
  m.legendBox.dataset.open = open ? "1" : "0";
}

// The button's label and a strip of the classes' colours (decoration: the panel names them).
function setLegendButton(m, data) {
  const strip = (data.colours || []).map((c) => '<span style="background:' + esc(c) + '"></span>').join("");
  m.legendButton.innerHTML = '<span class="hiap-legend-strip" aria-hidden="true">' + strip + "</span>Legend";
  m.legendButton.title = (m.legendOpen ? "Fold the legend" : "Open the legend") + ": " + data.legendTitle;
}

// The open legend never covers much of the map: at most 40% of its width and 60% of its height, so at most a
// quarter of it (a longer legend scrolls). In presentation it may run the map's height: a room watching a projector
// cannot scroll it, and its lines (the highlighted action, the ward boundary) were below the fold at 1366x768.
function fitLegend(m) {
  const size = m.map.getSize();
  const tall = m.data && m.data.legendTall;
  m.legend.style.maxWidth = Math.max(160, Math.round(size.x * 0.4)) + "px";
  m.legend.style.maxHeight = Math.max(120, Math.round(size.y * (tall ? 1 : 0.6)) - (tall ? 56 : 40)) + "px";
}

// The names and codes, once the areas are drawn: tooltips, keyboard labels and presentation labels name them.
async function setNames(m, url, generation) {
  if (url === m.namesUrl) return;
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));  // after the first paint
  const file = await fetchJson(url);
  if (m.data.names !== url || m.namesUrl === url) return;  // the reader has moved on to other areas meanwhile
  m.areas = file.areas;
  m.namesUrl = url;
  if (m.labels !== (Boolean(m.data.labels) && Boolean(m.areas))) bindTips(m);
  keyboardAreas(m);
  m.div.dataset.selected = [...m.selected].map((i) => m.areas.code[i]).join(",");
  m.div.dataset.names = "1";
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

// A map fitted to the window ends above its bottom edge: as tall as the room below its top, within limits.
function mapHeight(el, data) {
  const top = el.getBoundingClientRect().top + window.scrollY;
  return data.minHeight >= data.height ? data.height + "px"
    : `clamp(${data.minHeight}px, calc(100vh - ${Math.round(top) + 16}px), ${data.height}px)`;
}

async function draw(component) {
  const {data, parentElement, setTriggerValue} = component;
  // the files this paint needs are fetched while Leaflet loads, not one after another (fetchJson keeps each promise)
  if (!mounts.has(parentElement) || data.areas !== mounts.get(parentElement).areasUrl) fetchJson(data.areas).catch(() => {});
  for (const o of data.outlines) fetchJson(o.url).catch(() => {});
  if (!mounts.has(parentElement)) parentElement.style.minHeight = mapHeight(parentElement, data);  // room kept at once
  const L = await loadLeaflet(data.leaflet);
  let m = mounts.get(parentElement);
  if (!m) { m = makeMap(L, parentElement); mounts.set(parentElement, m); parentElement.style.minHeight = ""; }
  const generation = ++m.generation;
  m.trigger = setTriggerValue;
  m.div.style.height = mapHeight(m.div, data);
  if (data.areas !== m.areasUrl) {
    const file = await fetchJson(data.areas);
    if (generation !== m.generation) return;
    if (m.layer) m.map.removeLayer(m.layer);
    m.areas = null;  // the names of these areas come in their own file, after the first paint
    m.namesUrl = null;
    delete m.div.dataset.names;
    m.data = data;
    // many areas draw on a canvas (SVG gets slow to pan past a few thousand), whatever the map was made with
    const renderer = data.canvas ? (m.canvas = m.canvas || L.canvas()) : (m.svg = m.svg || L.svg());
    m.layer = L.geoJSON(hiapDecode(file.geometry), {style: (f) => style(m, f.properties.i), renderer})
      .addTo(m.map);
    m.areasUrl = data.areas;
    m.labels = null;
    m.selected = new Set();
    m.rover = null;  // the new areas' Tab stop: chosen once they are drawn
  }
  m.data = data;
  const selected = new Set(data.selected);
  const changedSelection = [...selected].some((i) => !m.selected.has(i)) || [...m.selected].some((i) => !selected.has(i));
  m.selected = selected;
  m.marked = new Set(data.marked || []);  // areas with their own line (optional: a plan's named areas)
  m.layer.setStyle((f) => style(m, f.properties.i));
  if (changedSelection) {  // the selected areas drawn on top; moving an element drops its focus, so give it back
    const focused = document.activeElement;
    m.layer.eachLayer((l) => { if (selected.has(l.feature.properties.i)) l.bringToFront(); });
    if (focused && focused !== document.activeElement && focused.isConnected) focused.focus({preventScroll: true});
  }
  if (m.labels !== (Boolean(data.labels) && Boolean(m.areas))) bindTips(m);
  keyboardAreas(m);
  m.div.dataset.areaCount = String(m.layer.getLayers().length);
  if (m.areas) m.div.dataset.selected = [...selected].map((i) => m.areas.code[i]).join(",");
  if (m.legendDefault !== Boolean(data.legendOpen)) {  // a new map, or a page whose legend starts the other way
    m.legendDefault = Boolean(data.legendOpen);
    setLegendOpen(m, legendChoice.has(m.legendDefault) ? legendChoice.get(m.legendDefault) : m.legendDefault);
  }
  if (m.legendHtml !== data.legend) {
    m.legend.innerHTML = data.legend;  // built and escaped by hiap_geo.render.maps.legend_html
    m.legendHtml = data.legend;
    setLegendButton(m, data);  // open or folded as the reader left it: a new measure keeps it
  }
  fitLegend(m);
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
    if (data.foldLegend) setLegendOpen(m, false);  // presenting one action: its areas stay in view
  }
  keyboardAreas(m);  // again: on the first paint Leaflet makes the areas' elements only once the map has a view
  setNames(m, data.names, generation).catch(() => { m.div.dataset.names = "failed"; });  // the map works without
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
