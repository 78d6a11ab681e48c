/// The pages' only script: a hover read-out on every chart, and live updates of a page showing a
/// running run. Plain JavaScript, no framework, nothing fetched but the page itself.
public enum Script {
    public static let source = #"""
        (function () {
          "use strict";
          function parsePath(d) {
            var points = [], re = /[ML]([-\d.]+) ([-\d.]+)/g, m;
            while ((m = re.exec(d)) !== null) points.push([parseFloat(m[1]), parseFloat(m[2])]);
            return points;
          }
          function format(v) {
            if (Math.abs(v) >= 1000 || v === Math.round(v)) return String(Math.round(v * 1000) / 1000);
            return v.toPrecision(5);
          }
          function attach(svg) {
            if (svg.dataset.ready) return;
            svg.dataset.ready = "1";
            var d = svg.dataset, x0 = +d.x0, x1 = +d.x1, y0 = +d.y0, y1 = +d.y1;
            var left = +d.left, top = +d.top, w = +d.w, h = +d.h;
            if (!w) return;
            var series = Array.prototype.map.call(svg.querySelectorAll("path.series"), function (p) {
              return { label: p.dataset.label, color: p.getAttribute("stroke"), points: parsePath(p.getAttribute("d")) };
            });
            var hover = svg.querySelector("g.hover"), cursor = svg.querySelector("line.cursor");
            var readout = svg.parentNode.querySelector("output.readout");
            svg.addEventListener("mousemove", function (event) {
              var box = svg.getBoundingClientRect();
              var px = (event.clientX - box.left) * (svg.viewBox.baseVal.width / box.width);
              if (px < left || px > left + w) { hover.setAttribute("visibility", "hidden"); return; }
              hover.setAttribute("visibility", "visible");
              cursor.setAttribute("x1", px); cursor.setAttribute("x2", px);
              var step = x0 + (px - left) / w * (x1 - x0), parts = ["step " + format(step)];
              series.forEach(function (s) {
                var best = null;
                s.points.forEach(function (p) { if (best === null || Math.abs(p[0] - px) < Math.abs(best[0] - px)) best = p; });
                if (best) parts.push(s.label + ": " + format(y0 + (1 - (best[1] - top) / h) * (y1 - y0)));
              });
              if (readout) readout.textContent = parts.join("   ");
            });
            svg.addEventListener("mouseleave", function () { hover.setAttribute("visibility", "hidden"); });
          }
          function attachAll() { Array.prototype.forEach.call(document.querySelectorAll("svg.chart[data-w]"), attach); }
          function refresh() {
            if (document.body.dataset.live !== "1" || !window.fetch || location.protocol === "file:") return;
            var active = document.activeElement;
            if (active && active.tagName === "INPUT" && active.type === "text") { setTimeout(refresh, 2000); return; }
            fetch(location.href, { headers: { "Accept": "text/html" }, cache: "no-store" }).then(function (response) {
              return response.ok ? response.text() : null;
            }).then(function (text) {
              if (text === null) return;
              var doc = new DOMParser().parseFromString(text, "text/html");
              var fresh = doc.querySelector("main"), main = document.querySelector("main");
              if (fresh && main) {
                var checked = Array.prototype.map.call(main.querySelectorAll("input[type=checkbox]:checked"), function (c) { return c.value; });
                main.innerHTML = fresh.innerHTML;
                Array.prototype.forEach.call(main.querySelectorAll("input[type=checkbox]"), function (c) {
                  if (checked.indexOf(c.value) >= 0) c.checked = true;
                });
                document.body.dataset.live = doc.body.dataset.live;
                attachAll();
              }
            }).catch(function () {}).then(function () { setTimeout(refresh, 2000); });
          }
          attachAll();
          setTimeout(refresh, 2000);
        })();
        """#
}
