// skycover's report viewer: builds each interactive map of a report from the JSON that
// render/web_map.cpp writes beside it. Runs offline from the page itself, with Leaflet inlined;
// it never makes a request (every image is a data: URL, every colour is applied here).
//
// Data (render/web_map.hpp): grid {west, north, east, south, cell_m, crs, image_width,
// image_height}, lonlat {n, lon[], lat[]} or null, base (hillshade image) or null,
// kinds [{name, classes [{color, alpha}], legend [{label, color}], labels []}],
// views [{name, bands [{label, summary, image}], layers []}], layers [{name, shown, lines [],
// points [], legend []}].
(function () {
  'use strict';

  var maps = [];
  window.skycoverMaps = maps;  // for the browser tests and for readers' own scripting

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A visible message on the map (never a blank map): what failed and what still works.
  function showError(container, text) {
    var box = container.querySelector('.skymap-error');
    if (!box) {
      box = el('div', 'skymap-error');
      box.setAttribute('role', 'alert');
      container.appendChild(box);
    }
    box.textContent = text;
  }

  function rgb(hex) {
    var v = parseInt(hex.slice(1), 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }

  // Class indices of an overlay image (grey 16 k + 8 encodes class k).
  function decodeClasses(url) {
    return new Promise(function (resolve, reject) {
      if (typeof url !== 'string' || url.indexOf('data:image/') !== 0) {
        reject(new Error('no image data'));
        return;
      }
      var img = new Image();
      img.onload = function () {
        var canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        var ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 0);
        var px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        var classes = new Uint8Array(canvas.width * canvas.height);
        for (var i = 0; i < classes.length; ++i) classes[i] = px[4 * i] >> 4;
        resolve({width: canvas.width, height: canvas.height, classes: classes});
      };
      img.onerror = function () { reject(new Error('the image cannot be decoded')); };
      img.src = url;
    });
  }

  // The class image coloured with a kind's palette, as a PNG data URL.
  function colourise(decoded, kind) {
    var canvas = document.createElement('canvas');
    canvas.width = decoded.width;
    canvas.height = decoded.height;
    var ctx = canvas.getContext('2d');
    var image = ctx.createImageData(decoded.width, decoded.height);
    var lut = kind.classes.map(function (c) {
      var v = rgb(c.color);
      return [v[0], v[1], v[2], Math.round(255 * c.alpha)];
    });
    var out = image.data;
    for (var i = 0; i < decoded.classes.length; ++i) {
      var c = lut[decoded.classes[i]] || [0, 0, 0, 0];
      out[4 * i] = c[0];
      out[4 * i + 1] = c[1];
      out[4 * i + 2] = c[2];
      out[4 * i + 3] = c[3];
    }
    ctx.putImageData(image, 0, 0);
    return canvas.toDataURL('image/png');
  }

  // Longitude/latitude at grid metres (x, y): bilinear in the lattice PROJ computed.
  function lonlatAt(lattice, grid, x, y) {
    if (!lattice) return null;
    var n = lattice.n;
    var u = (x - grid.west) / (grid.east - grid.west) * (n - 1);
    var v = (grid.north - y) / (grid.north - grid.south) * (n - 1);
    if (u < 0 || v < 0 || u > n - 1 || v > n - 1) return null;
    var i = Math.min(n - 2, Math.floor(u)), j = Math.min(n - 2, Math.floor(v));
    var fu = u - i, fv = v - j;
    function at(a) {
      var k = j * n + i;
      return (a[k] * (1 - fu) + a[k + 1] * fu) * (1 - fv) + (a[k + n] * (1 - fu) + a[k + n + 1] * fu) * fv;
    }
    return [at(lattice.lon), at(lattice.lat)];
  }

  function formatMetres(v) { return Math.round(v).toLocaleString('en-GB') + ' m'; }

  function popupContent(title, rows) {
    var box = el('div', 'skymap-popup');
    if (title) box.appendChild(el('div', 'skymap-popup-title', title));
    var table = el('table');
    rows.forEach(function (r) {
      var tr = el('tr');
      tr.appendChild(el('th', null, r[0]));
      tr.appendChild(el('td', null, r[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  function vectorLayer(spec) {
    var group = L.layerGroup();
    spec.lines.forEach(function (l) {
      var line = L.polyline(l.xy.map(function (p) { return [p[1], p[0]]; }), {
        color: l.color, weight: l.width, dashArray: l.dashed ? '6 4' : null, opacity: 0.95
      });
      if (l.label) line.bindTooltip(l.label, {sticky: true});
      if (l.popup.length) line.bindPopup(function () { return popupContent(l.label, l.popup); }, {maxWidth: 320});
      group.addLayer(line);
    });
    spec.points.forEach(function (p) {
      var marker = L.circleMarker([p.y, p.x], {
        radius: p.radius, color: '#ffffff', weight: 1, fillColor: p.color, fillOpacity: 1, className: 'skymap-point'
      });
      if (p.label) marker.bindTooltip(p.label);
      if (p.popup.length) marker.bindPopup(function () { return popupContent(p.label, p.popup); }, {maxWidth: 320});
      group.addLayer(marker);
    });
    return group;
  }

  function build(container, data) {
    if (typeof L === 'undefined') throw new Error('Leaflet did not load');
    var g = data.grid;
    var bounds = L.latLngBounds([[g.south, g.west], [g.north, g.east]]);
    var s = Math.max(g.east - g.west, g.north - g.south) / 256;  // metres per pixel at zoom 0
    // Leaflet's plain CRS over the grid's own metres: lat = northing, lng = easting, and the
    // scale bar measures in those metres.
    var crs = L.extend({}, L.CRS.Simple, {
      transformation: new L.Transformation(1 / s, -g.west / s, -1 / s, g.north / s)
    });
    var maxZoom = Math.max(2, Math.ceil(Math.log2(8 * s / g.cell_m)));
    var map = L.map(container, {
      crs: crs, minZoom: -1, maxZoom: maxZoom, zoomSnap: 0.25, attributionControl: false,
      maxBounds: bounds.pad(0.5)
    });
    map.fitBounds(bounds);
    map.setMinZoom(Math.min(0, map.getZoom() - 1));
    container.querySelector('.skymap-message') && container.querySelector('.skymap-message').remove();

    // Panes below Leaflet's overlay pane (400), where the sites, tracks and outlines are drawn.
    map.createPane('skymapBase').style.zIndex = 250;
    map.createPane('skymapOverlay').style.zIndex = 350;
    if (data.base) L.imageOverlay(data.base, bounds, {className: 'skymap-base', pane: 'skymapBase'}).addTo(map);

    var state = {view: 0, band: 0, kind: 0, opacity: 0.85, decoded: null, overlay: null, token: 0};
    var cache = {};
    var viewLayers = [], globalLayers = [];
    var api = {map: map, container: container, data: data, state: state};

    function layerEntry(spec) {
      return {spec: spec, layer: vectorLayer(spec), on: spec.shown};
    }
    data.layers.forEach(function (l) { globalLayers.push(layerEntry(l)); });

    // --- the control panel ------------------------------------------------------------
    var panel = L.control({position: 'topright'});
    var body, bandSelect, viewSelect, kindBox, layerBox, summary;
    panel.onAdd = function () {
      var div = el('div', 'skymap-panel leaflet-bar');
      var toggle = el('button', 'skymap-toggle', 'Layers');
      toggle.type = 'button';
      toggle.setAttribute('aria-expanded', 'false');
      toggle.onclick = function () {
        var open = div.classList.toggle('open');
        toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      };
      div.appendChild(toggle);
      body = el('div', 'skymap-body');
      div.appendChild(body);
      if (data.views.length > 1) {
        var lv = el('label', null, 'Deployment ');
        viewSelect = el('select', 'skymap-view');
        data.views.forEach(function (v, i) { var o = el('option', null, v.name); o.value = i; viewSelect.appendChild(o); });
        viewSelect.onchange = function () { setView(+viewSelect.value); };
        lv.appendChild(viewSelect);
        body.appendChild(lv);
      }
      var lb = el('label', null, 'Altitude band ');
      bandSelect = el('select', 'skymap-band');
      bandSelect.onchange = function () { setBand(+bandSelect.value); };
      lb.appendChild(bandSelect);
      body.appendChild(lb);
      summary = el('div', 'skymap-summary');
      body.appendChild(summary);
      kindBox = el('fieldset', 'skymap-kinds');
      kindBox.appendChild(el('legend', null, 'Colour by'));
      data.kinds.forEach(function (k, i) {
        var l = el('label');
        var r = el('input');
        r.type = 'radio';
        r.name = container.id + '-kind';
        r.value = i;
        r.checked = i === 0;
        r.onchange = function () { setKind(i); };
        l.appendChild(r);
        l.appendChild(document.createTextNode(' ' + k.name));
        kindBox.appendChild(l);
      });
      body.appendChild(kindBox);
      var lo = el('label', null, 'Overlay opacity ');
      if (!data.kinds.length) {
        // A map of tracks only (exposure, raid): no bands to colour.
        lb.style.display = 'none';
        kindBox.style.display = 'none';
        lo.style.display = 'none';
      }
      var slider = el('input', 'skymap-opacity');
      slider.type = 'range';
      slider.min = 0;
      slider.max = 100;
      slider.value = Math.round(state.opacity * 100);
      slider.oninput = function () {
        state.opacity = slider.value / 100;
        if (state.overlay) state.overlay.setOpacity(state.opacity);
      };
      lo.appendChild(slider);
      body.appendChild(lo);
      layerBox = el('fieldset', 'skymap-layers');
      body.appendChild(layerBox);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    panel.addTo(map);

    // --- legend, scale, readout -------------------------------------------------------------
    var legend = L.control({position: 'bottomright'});
    var legendDiv;
    legend.onAdd = function () {
      legendDiv = el('div', 'skymap-legend');
      L.DomEvent.disableClickPropagation(legendDiv);
      return legendDiv;
    };
    legend.addTo(map);
    L.control.scale({position: 'bottomleft', metric: true, imperial: false, maxWidth: 160}).addTo(map);
    var readout = L.control({position: 'bottomleft'});
    var readoutDiv;
    readout.onAdd = function () {
      readoutDiv = el('div', 'skymap-readout', g.crs);
      return readoutDiv;
    };
    readout.addTo(map);

    function renderLegend() {
      legendDiv.textContent = '';
      var kind = data.kinds[state.kind];
      legendDiv.appendChild(el('div', 'skymap-legend-title', kind ? kind.name : 'legend'));
      var entries = kind ? kind.legend.slice() : [];
      viewLayers.concat(globalLayers).forEach(function (e) {
        if (e.on) entries = entries.concat(e.spec.legend);
      });
      entries.forEach(function (e) {
        var row = el('div', 'skymap-legend-row');
        var sw = el('span', 'skymap-swatch');
        sw.style.background = e.color;
        row.appendChild(sw);
        row.appendChild(document.createTextNode(e.label));
        legendDiv.appendChild(row);
      });
    }

    function renderLayerBox() {
      layerBox.textContent = '';
      layerBox.appendChild(el('legend', null, 'Show'));
      viewLayers.concat(globalLayers).forEach(function (e) {
        var l = el('label');
        var c = el('input');
        c.type = 'checkbox';
        c.checked = e.on;
        c.onchange = function () {
          e.on = c.checked;
          if (e.on) e.layer.addTo(map); else map.removeLayer(e.layer);
          renderLegend();
        };
        l.appendChild(c);
        l.appendChild(document.createTextNode(' ' + e.spec.name));
        layerBox.appendChild(l);
      });
    }

    function showOverlay() {
      var view = data.views[state.view], band = view.bands[state.band];
      if (!band || !data.kinds.length) {
        container.dataset.shown = 'no-bands';
        return Promise.resolve();
      }
      var key = state.view + '/' + state.band;
      var token = ++state.token;
      var ready = cache[key] || (cache[key] = decodeClasses(band.image));
      summary.textContent = band.summary || '';
      return ready.then(function (decoded) {
        if (token !== state.token) return;
        var url = colourise(decoded, data.kinds[state.kind]);
        if (state.overlay) map.removeLayer(state.overlay);
        state.decoded = decoded;
        state.overlay = L.imageOverlay(url, bounds, {opacity: state.opacity, className: 'skymap-overlay', pane: 'skymapOverlay'}).addTo(map);
        container.dataset.shown = key + '/' + state.kind;
        var err = container.querySelector('.skymap-error');
        if (err) err.remove();
      }, function (e) {
        if (token !== state.token) return;
        delete cache[key];
        if (state.overlay) map.removeLayer(state.overlay);
        state.overlay = null;
        state.decoded = null;
        container.dataset.shown = key + '/error';
        showError(container, 'The overlay "' + view.name + ', ' + band.label + '" cannot be shown (' + e.message +
                  '): this report file may be damaged or cut short. The other bands, the static maps below and ' +
                  'the GeoTIFFs beside the report hold the same results.');
      });
    }

    function setView(i) {
      viewLayers.forEach(function (e) { map.removeLayer(e.layer); });
      state.view = i;
      var view = data.views[i];
      viewLayers = view.layers.map(layerEntry);
      viewLayers.concat(globalLayers).forEach(function (e) { if (e.on) e.layer.addTo(map); });
      bandSelect.textContent = '';
      view.bands.forEach(function (b, k) { var o = el('option', null, b.label); o.value = k; bandSelect.appendChild(o); });
      state.band = Math.min(state.band, Math.max(0, view.bands.length - 1));
      bandSelect.value = state.band;
      bandSelect.disabled = view.bands.length === 0;
      if (viewSelect) viewSelect.value = i;
      renderLayerBox();
      renderLegend();
      return showOverlay();
    }
    function setBand(k) { state.band = k; bandSelect.value = k; return showOverlay(); }
    function setKind(k) { state.kind = k; renderLegend(); return showOverlay(); }

    map.on('mousemove', function (ev) {
      var x = ev.latlng.lng, y = ev.latlng.lat;
      var text = 'E ' + formatMetres(x) + ', N ' + formatMetres(y);
      var ll = lonlatAt(data.lonlat, g, x, y);
      if (ll) {
        text += ' | ' + Math.abs(ll[1]).toFixed(5) + (ll[1] >= 0 ? ' N ' : ' S ') +
                Math.abs(ll[0]).toFixed(5) + (ll[0] >= 0 ? ' E' : ' W');
      }
      var d = state.decoded, kind = data.kinds[state.kind];
      if (d && kind && kind.labels.length && x >= g.west && x < g.east && y > g.south && y <= g.north) {
        var i = Math.floor((x - g.west) / (g.east - g.west) * d.width);
        var j = Math.floor((g.north - y) / (g.north - g.south) * d.height);
        var label = kind.labels[d.classes[j * d.width + i]];
        if (label) text += ' | ' + label;
      }
      readoutDiv.textContent = text;
    });
    map.on('mouseout', function () { readoutDiv.textContent = g.crs; });

    api.setView = setView;
    api.setBand = setBand;
    api.setKind = setKind;
    api.ready = setView(0);
    return api;
  }

  function start() {
    document.querySelectorAll('script.skymap-data').forEach(function (script) {
      var container = document.getElementById(script.getAttribute('data-for'));
      if (!container) return;
      try {
        var data = JSON.parse(script.textContent);
        maps.push(build(container, data));
      } catch (e) {
        showError(container, 'The interactive map cannot be shown (' + e.message + '). The static maps below and ' +
                  'the files beside this report hold the same results.');
      }
    });
  }

  // Printing: the static maps (in collapsed sections on screen) are opened for the printout.
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details.static-maps').forEach(function (d) { d.open = true; });
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
