// A small time-series line chart on <canvas>: one series, points one step apart, y axis from 0
// to a rounded maximum, a few grid lines and minute marks. Redrawn whole; 300 points is cheap.

const PAD = { left: 44, right: 8, top: 6, bottom: 18 };

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ color?: string, format?: (v: number) => string }} options
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.color = options.color ?? '#2f6fde';
    this.format = options.format ?? ((v) => String(Math.round(v * 10) / 10));
    this.capacity = options.capacity ?? 300;
    this.step = 1000;
    this.start = Math.floor(Date.now() / 1000) * 1000 - this.capacity * this.step;
    /** @type {(number|null)[]} */
    this.values = new Array(this.capacity).fill(null);
    const observer = new ResizeObserver(() => this.draw());
    observer.observe(canvas);
  }

  /** Replaces the data: values[i] is at start + i * step. */
  setData(start, step, values) {
    this.step = step;
    const kept = values.slice(-this.capacity);
    // Right-aligned: the newest point sits at the right edge, older time shows as a gap.
    const pad = this.capacity - kept.length;
    this.start = start + (values.length - kept.length) * step - pad * step;
    this.values = [...new Array(pad).fill(null), ...kept];
    this.draw();
  }

  /** Adds the point at time t (ms); gaps since the last point are filled with nulls. */
  push(t, value) {
    const index = Math.round((t - this.start) / this.step);
    if (index < this.values.length) {
      if (index >= 0) this.values[index] = value;
    } else {
      while (this.values.length < index) this.values.push(null);
      this.values.push(value);
    }
    const excess = this.values.length - this.capacity;
    if (excess > 0) {
      this.values.splice(0, excess);
      this.start += excess * this.step;
    }
    this.draw();
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const style = getComputedStyle(document.documentElement);
    const muted = style.getPropertyValue('--muted').trim() || '#888';
    const line = style.getPropertyValue('--line').trim() || '#ddd';
    const plotW = width - PAD.left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    const max = niceMax(this.values.reduce((m, v) => (v !== null && v > m ? v : m), 0));
    const x = (i) => PAD.left + (plotW * i) / Math.max(1, this.capacity - 1);
    const y = (v) => PAD.top + plotH - (plotH * v) / max;

    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = line;
    ctx.fillStyle = muted;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let g = 0; g <= 4; g++) {
      const v = (max * g) / 4;
      const gy = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(PAD.left, gy);
      ctx.lineTo(width - PAD.right, gy);
      ctx.stroke();
      ctx.fillText(this.format(v), PAD.left - 6, gy);
    }
    // Minute marks, labelled with the local time.
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const first = Math.ceil(this.start / 60000) * 60000;
    for (let t = first; t < this.start + this.capacity * this.step; t += 60000) {
      const mx = Math.round(x((t - this.start) / this.step)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(mx, PAD.top);
      ctx.lineTo(mx, PAD.top + plotH);
      ctx.stroke();
      const d = new Date(t);
      ctx.fillText(`${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`, mx, PAD.top + plotH + 4);
    }

    ctx.strokeStyle = this.color;
    ctx.lineWidth = 1.5;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    let drawing = false;
    this.values.forEach((v, i) => {
      if (v === null || v === undefined) {
        drawing = false;
        return;
      }
      if (drawing) ctx.lineTo(x(i), y(v));
      else ctx.moveTo(x(i), y(v));
      drawing = true;
    });
    ctx.stroke();
    // A value with no neighbour (a single slow request's p99 between idle seconds) makes no
    // line: draw it as a dot so it is not lost.
    ctx.fillStyle = this.color;
    this.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const before = this.values[i - 1];
      const next = this.values[i + 1];
      if ((before === null || before === undefined) && (next === null || next === undefined)) {
        ctx.beginPath();
        ctx.arc(x(i), y(v), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    });
  }
}

/** A round axis maximum (1, 2, 4 or 8 times a power of ten: quarters stay short) at least `value`. */
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 4, 8, 10]) if (value <= m * power) return m * power;
  return 10 * power;
}
