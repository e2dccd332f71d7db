/* The map page: one circle marker per place, a popup listing its claims with links.
   Tiles come from the MAP_TILE_URL setting; without it the markers are drawn on a plain
   background, so the map works with no tile server reachable. */
(function () {
  "use strict";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function popup(place) {
    var items = place.claims.map(function (claim) {
      return '<li><a href="' + escapeHtml(claim.url) + '">' + escapeHtml(claim.title) +
        "</a> <small>" + escapeHtml(claim.status) + (claim.when ? " · " + escapeHtml(claim.when) : "") +
        "</small></li>";
    });
    return '<strong><a href="' + escapeHtml(place.url) + '">' + escapeHtml(place.name) +
      "</a></strong><ul class=\"popup-claims\">" + items.join("") + "</ul>";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("map");
    var dataNode = document.getElementById("map-data");
    if (!element || !dataNode || typeof L === "undefined") return;
    var data = JSON.parse(dataNode.textContent);
    var map = L.map(element, { scrollWheelZoom: false });
    if (data.tiles) {
      L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
    }
    var markers = data.places.map(function (place) {
      var radius = Math.min(6 + 2 * place.claims.length, 18);
      var marker = L.circleMarker([place.lat, place.lng], {
        radius: radius, color: "#7a2e0e", weight: 2, fillColor: "#d9480f", fillOpacity: 0.75
      });
      marker.bindPopup(popup(place));
      marker.bindTooltip(place.name + " (" + place.claims.length + ")");
      marker.addTo(map);
      return marker;
    });
    if (markers.length) {
      map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 8 });
    } else {
      map.setView([48.5, 35], 5);
    }
    element.setAttribute("data-markers", String(markers.length));
  });
})();
