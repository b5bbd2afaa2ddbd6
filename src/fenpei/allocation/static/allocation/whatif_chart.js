// What-if: each rep's load today, under the active policy and under the draft, drawn with
// the locally served ECharts from the json_script data the page carries (no inline JS).
(function () {
  if (!window.echarts) return;
  var labelsEl = document.getElementById("whatif-labels");
  if (!labelsEl) return;
  var labels = JSON.parse(labelsEl.textContent);
  var charts = [];
  document.querySelectorAll(".whatif-chart").forEach(function (el) {
    var source = document.getElementById(el.dataset.source);
    if (!source) return;
    var d = JSON.parse(source.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [labels.before, labels.active, labels.draft, labels.capacity] },
      grid: { left: 40, right: 10, bottom: 80 },
      dataZoom: d.names.length > 20 ? [{ type: "inside" }, { type: "slider", height: 16, bottom: 4 }] : [],
      xAxis: { type: "category", data: d.names, axisLabel: { rotate: 60, interval: 0, fontSize: 10 } },
      yAxis: { type: "value" },
      series: [
        { name: labels.before, type: "bar", data: d.before, itemStyle: { color: "#9aa5b1" } },
        { name: labels.active, type: "bar", data: d.active, itemStyle: { color: "#2b6cb0" } },
        { name: labels.draft, type: "bar", data: d.draft, itemStyle: { color: "#c0392b" } },
        { name: labels.capacity, type: "line", step: "middle", symbol: "none", data: d.capacity,
          lineStyle: { type: "dashed", color: "#2f855a" } }
      ]
    });
    charts.push(chart);
    el.dataset.ready = "1";
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
