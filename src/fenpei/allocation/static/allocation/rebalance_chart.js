// Rebalance trade-off: moves and improvement per move cost, drawn with the locally served ECharts.
(function () {
  var el = document.getElementById("tradeoff-chart");
  var data = document.getElementById("tradeoff-data");
  if (!el || !data || !window.echarts) return;
  var points = JSON.parse(data.textContent);
  var labels = JSON.parse(document.getElementById("tradeoff-labels").textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [labels.moves, labels.improvement, labels.net] },
    grid: { left: 50, right: 50, bottom: 40 },
    xAxis: { type: "category", name: labels.cost, data: points.map(function (p) { return p.move_cost; }) },
    yAxis: [{ type: "value", name: labels.moves }, { type: "value", name: labels.improvement }],
    series: [
      { name: labels.moves, type: "line", data: points.map(function (p) { return p.moves; }), itemStyle: { color: "#c0392b" } },
      { name: labels.improvement, type: "line", yAxisIndex: 1, data: points.map(function (p) { return p.improvement; }), itemStyle: { color: "#2f855a" } },
      { name: labels.net, type: "line", yAxisIndex: 1, data: points.map(function (p) { return p.net_gain; }), lineStyle: { type: "dashed" }, itemStyle: { color: "#9aa5b1" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  el.dataset.ready = "1";
})();
