// Load before → after per rep, drawn with the locally served ECharts.
(function () {
  var el = document.getElementById("load-chart");
  var data = document.getElementById("load-data");
  if (!el || !data || !window.echarts) return;
  var loads = JSON.parse(data.textContent);
  var labels = JSON.parse(document.getElementById("chart-labels").textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [labels.before, labels.after, labels.capacity] },
    grid: { left: 40, right: 10, bottom: 80 },
    xAxis: { type: "category", data: loads.map(function (l) { return l.name; }),
             axisLabel: { rotate: 60, interval: 0, fontSize: 10 } },
    yAxis: { type: "value" },
    series: [
      { name: labels.before, type: "bar", data: loads.map(function (l) { return l.before; }), itemStyle: { color: "#9aa5b1" } },
      { name: labels.after, type: "bar", data: loads.map(function (l) { return l.after; }), itemStyle: { color: "#c0392b" } },
      { name: labels.capacity, type: "line", step: "middle", symbol: "none", data: loads.map(function (l) { return l.capacity; }), lineStyle: { type: "dashed", color: "#2f855a" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  el.dataset.ready = "1";
})();
