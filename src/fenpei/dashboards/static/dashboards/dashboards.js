// Dashboards: draws every card's chart from the options in #dashboard-charts (built by
// fenpei.dashboards.cards) with the locally served ECharts. No data lives here.
(function () {
  var source = document.getElementById("dashboard-charts");
  if (!source || !window.echarts) return;
  var options = JSON.parse(source.textContent);
  var charts = [];

  function styled(option) {
    var many = option.xAxis && option.xAxis.type === "category" && option.xAxis.data.length > 6;
    var base = {
      tooltip: { trigger: option.xAxis && option.xAxis.type === "category" ? "axis" : "item" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 40, top: 36, bottom: many ? 80 : 40, containLabel: false },
      color: ["#c0392b", "#2f855a", "#1d4ed8", "#d68910", "#7f8c8d"]
    };
    if (many) {
      option.xAxis.axisLabel = Object.assign({ rotate: 60, interval: 0, fontSize: 10 },
                                             option.xAxis.axisLabel || {});
      if (option.xAxis.data.length > 40) option.xAxis.axisLabel.interval = "auto";
    }
    (option.series || []).forEach(function (series) {
      if (series.type === "bar" && series.barMaxWidth === undefined) series.barMaxWidth = 48;
    });
    return Object.assign(base, option);
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var option = options[el.dataset.chart];
    if (!option) return;
    var chart = echarts.init(el);
    chart.setOption(styled(option));
    charts.push(chart);
    el.dataset.ready = "1";
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
