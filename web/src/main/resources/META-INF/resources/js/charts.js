// Thin wrapper over uPlot: a chart that sizes itself to its card and accepts new data any time.
const FONT = '12px Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const GRID = {stroke: '#eef0f4', width: 1};
const AXIS = {stroke: '#6b7280', font: FONT, grid: GRID, ticks: {stroke: '#e5e7eb', width: 1, size: 4}};

export const colors = {
  indigo: '#4f46e5', teal: '#0d9488', amber: '#d97706', rose: '#e11d48', slate: '#94a3b8', sky: '#0284c7',
};

/**
 * A live chart. options: {height, series: [{label, stroke, scale, dash, points, fill}], x: {label, values},
 * y: {label, range, values}, y2: {label, scale, values}, bands}. update(data) takes uPlot's column arrays.
 */
export function chart(container, options) {
  let plot = null;
  let last = null;

  function build(data) {
    const width = Math.max(container.clientWidth, 280);
    const axes = [
      {...AXIS, label: options.x?.label, labelFont: FONT, values: options.x?.values, labelSize: 20},
      {...AXIS, label: options.y?.label, labelFont: FONT, values: options.y?.values, size: 56, labelSize: 20},
    ];
    if (options.y2) {
      axes.push({...AXIS, side: 1, scale: options.y2.scale, label: options.y2.label, labelFont: FONT,
                 values: options.y2.values, grid: {show: false}, size: 56, labelSize: 20});
    }
    const scales = {x: {time: options.x?.time ?? false}};
    // A time axis always spans at least ten minutes, so a few samples seconds apart read sensibly.
    if (options.x?.time) scales.x.range = (u, min, max) => [Math.min(min ?? max, (max ?? 0) - 600), max ?? 600];
    if (options.y?.range) scales.y = {range: options.y.range};
    else if (options.y?.fromZero) scales.y = {range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1]};
    if (options.y2) scales[options.y2.scale] = {auto: true};
    plot = new uPlot({
      width,
      height: options.height ?? 220,
      scales,
      axes,
      bands: options.bands,
      legend: {show: true, live: options.liveLegend ?? false},
      cursor: {drag: {x: false, y: false}},
      series: [{label: options.x?.label ?? 'x', value: options.x?.legend}, ...options.series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: s.width ?? 2,
        scale: s.scale ?? 'y',
        dash: s.dash,
        fill: s.fill,
        points: s.points ?? {show: true, size: 6},
        spanGaps: true,
        value: s.value,
      }))],
    }, data, container);
    // Helper series (interval edges, reference lines) stay out of the legend.
    const rows = plot.root.querySelectorAll('.u-legend .u-series');
    const offset = rows.length - options.series.length;   // 1 when the x series has a legend row
    options.series.forEach((s, i) => { if (s.legend === false && rows[i + offset]) rows[i + offset].style.display = 'none'; });
  }

  function update(data) {
    last = data;
    if (container.clientWidth === 0) return;          // page hidden: draw when shown
    if (!plot) build(data);
    else plot.setData(data);
    container.dataset.points = String(data[0].length);
    container.classList.toggle('chart-empty', data[0].length === 0);
  }

  function resize() {
    if (!plot && last && container.clientWidth > 0) build(last);
    else if (plot && container.clientWidth > 0) plot.setSize({width: container.clientWidth, height: options.height ?? 220});
  }

  window.addEventListener('resize', resize);
  return {update, redraw: () => { resize(); if (plot && last) plot.setData(last); }};
}
