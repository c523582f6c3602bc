"""Hand-written SVG charts for scripts/bench_report.py (no plotting dependency): grouped bars
with min-max whiskers, optionally on a log scale, and lines over categorical x positions.
Every chart is a standalone SVG 1.1 document with a title, axis labels and a legend."""
import math
from xml.sax.saxutils import escape

PALETTE = ["#3b6ea8", "#e07b39", "#4f9a5b", "#b84a5b", "#7e64a8", "#8c6d46", "#c86fb0",
           "#6f6f6f"]
W, H = 760, 420
LEFT, RIGHT, TOP, BOTTOM = 78, 20, 52, 92
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _fmt(v):
    if v >= 1e6:
        return f"{v / 1e6:g}M"
    if v >= 1e3:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


class _Scale:
    def __init__(self, hi, log, lo=None):
        self.log = log
        if log:
            self.lo = 10 ** math.floor(math.log10(lo if lo and lo > 0 else 1))
            self.hi = 10 ** math.ceil(math.log10(max(hi, self.lo * 10)))
        else:
            self.lo = 0.0
            step = 10 ** math.floor(math.log10(hi)) if hi > 0 else 1
            self.hi = math.ceil(hi / step * 1.05) * step if hi > 0 else 1
        self.top, self.bottom = TOP, H - BOTTOM

    def y(self, v):
        if self.log:
            v = max(v, self.lo)
            f = (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            f = (v - self.lo) / (self.hi - self.lo)
        return self.bottom - f * (self.bottom - self.top)

    def ticks(self):
        if self.log:
            return [10 ** e for e in range(int(math.log10(self.lo)), int(math.log10(self.hi)) + 1)]
        step = (self.hi - self.lo) / 5
        return [self.lo + i * step for i in range(6)]


def _frame(title, ylabel, scale, out):
    out.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
               f'viewBox="0 0 {W} {H}" {FONT} font-size="12">')
    out.append(f'<rect width="{W}" height="{H}" fill="#ffffff"/>')
    out.append(f'<text x="{W / 2}" y="24" text-anchor="middle" font-size="15" '
               f'font-weight="bold">{escape(title)}</text>')
    for t in scale.ticks():
        y = scale.y(t)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
                   'stroke="#e3e3e3"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                   f'fill="#444">{_fmt(t)}</text>')
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="#333"/>')
    out.append(f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" '
               'stroke="#333"/>')
    out.append(f'<text transform="translate(18 {(TOP + H - BOTTOM) / 2}) rotate(-90)" '
               f'text-anchor="middle" fill="#222">{escape(ylabel)}</text>')


def _legend(names, out):
    """One row under the x axis label, wrapping onto more rows when names are long."""
    x, y = LEFT, H - 38
    for i, name in enumerate(names):
        width = 26 + 7 * len(name)
        if x > LEFT and x + width > W - RIGHT:
            x, y = LEFT, y + 16
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" '
                   f'fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 16}" y="{y}" fill="#222">{escape(name)}</text>')
        x += width


def _xlabels(categories, centers, out, xlabel):
    for c, x in zip(categories, centers):
        out.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" '
                   f'fill="#222">{escape(c)}</text>')
    if xlabel:
        out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - BOTTOM + 36}" '
                   f'text-anchor="middle" fill="#222">{escape(xlabel)}</text>')


def bars(title, ylabel, categories, series, log=False, xlabel=""):
    """series: [(name, [(median, min, max) or None per category])]."""
    vals = [v for _, vs in series for v in vs if v]
    hi = max(v[2] for v in vals) if vals else 1
    lo = min(v[1] for v in vals if v[1] > 0) if log and vals else None
    scale = _Scale(hi, log, lo)
    out = []
    _frame(title, ylabel, scale, out)
    group = (W - LEFT - RIGHT) / max(1, len(categories))
    bar = group * 0.8 / max(1, len(series))
    centers = []
    for ci, _ in enumerate(categories):
        x0 = LEFT + ci * group + group * 0.1
        centers.append(LEFT + ci * group + group / 2)
        for si, (name, vs) in enumerate(series):
            v = vs[ci]
            if not v:
                continue
            x, y = x0 + si * bar, scale.y(v[0])
            color = PALETTE[si % len(PALETTE)]
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.9:.1f}" '
                       f'height="{scale.bottom - y:.1f}" fill="{color}">'
                       f'<title>{escape(name)}: {v[0]:,.0f}</title></rect>')
            xm, y1, y2 = x + bar * 0.45, scale.y(v[1]), scale.y(v[2])
            out.append(f'<line x1="{xm:.1f}" y1="{y1:.1f}" x2="{xm:.1f}" y2="{y2:.1f}" '
                       'stroke="#111" stroke-width="1"/>')
            if len(series) <= 3:  # room for the value above the bar
                out.append(f'<text x="{xm:.1f}" y="{min(y, y2) - 4:.1f}" text-anchor="middle" '
                           f'font-size="11" fill="#222">{v[0]:,.0f}</text>')
    _xlabels(categories, centers, out, xlabel)
    _legend([n for n, _ in series], out)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def lines(title, ylabel, categories, series, xlabel="", log=False):
    """series: [(name, [value or None per category])] drawn over equally spaced x."""
    vals = [v for _, vs in series for v in vs if v is not None]
    hi = max(vals) if vals else 1
    lo = min(v for v in vals if v > 0) if log and vals else None
    scale = _Scale(hi, log, lo)
    out = []
    _frame(title, ylabel, scale, out)
    n = max(1, len(categories))
    step = (W - LEFT - RIGHT) / n
    xs = [LEFT + step * (i + 0.5) for i in range(n)]
    for si, (name, vs) in enumerate(series):
        color = PALETTE[si % len(PALETTE)]
        pts = [(x, scale.y(v), v) for x, v in zip(xs, vs) if v is not None]
        if len(pts) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts)
            out.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y, v in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}">'
                       f'<title>{escape(name)}: {v:,.2f}</title></circle>')
            label = f"{v:,.0f}" if v >= 100 else f"{v:.3g}"
            out.append(f'<text x="{x + 6:.1f}" y="{y - 7:.1f}" fill="{color}" '
                       f'font-size="11">{label}</text>')
    _xlabels(categories, xs, out, xlabel)
    _legend([n for n, _ in series], out)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def hbars(title, xlabel, items):
    """Horizontal bars, one per (label, (median, min, max)); the label left of its bar, the
    value at its end. For comparisons with long names (servers)."""
    label_w, row = 330, 30
    height = TOP + row * len(items) + 50
    hi = max(v[2] for _, v in items) if items else 1
    step = 10 ** math.floor(math.log10(hi)) if hi > 0 else 1
    hi = math.ceil(hi / step * 1.1) * step
    x0, x1 = label_w, W - RIGHT - 60
    sx = lambda v: x0 + (x1 - x0) * v / hi  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" '
           f'viewBox="0 0 {W} {height}" {FONT} font-size="12">',
           f'<rect width="{W}" height="{height}" fill="#ffffff"/>',
           f'<text x="{W / 2}" y="24" text-anchor="middle" font-size="15" '
           f'font-weight="bold">{escape(title)}</text>']
    for i in range(6):
        t = hi * i / 5
        out.append(f'<line x1="{sx(t):.1f}" y1="{TOP - 6}" x2="{sx(t):.1f}" '
                   f'y2="{TOP + row * len(items)}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{sx(t):.1f}" y="{TOP + row * len(items) + 16}" '
                   f'text-anchor="middle" fill="#444">{_fmt(t)}</text>')
    for i, (label, v) in enumerate(items):
        y = TOP + i * row
        color = PALETTE[0] if i == 0 else PALETTE[1]
        out.append(f'<text x="{x0 - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end" '
                   f'fill="#222">{escape(label)}</text>')
        out.append(f'<rect x="{x0}" y="{y + 5}" width="{sx(v[0]) - x0:.1f}" height="{row - 10}" '
                   f'fill="{color}"><title>{escape(label)}: {v[0]:,.0f}</title></rect>')
        out.append(f'<line x1="{sx(v[1]):.1f}" y1="{y + row / 2:.1f}" x2="{sx(v[2]):.1f}" '
                   f'y2="{y + row / 2:.1f}" stroke="#111"/>')
        out.append(f'<text x="{sx(max(v[0], v[2])) + 6:.1f}" y="{y + row / 2 + 4:.1f}" '
                   f'fill="#222">{v[0]:,.0f}</text>')
    out.append(f'<text x="{(x0 + x1) / 2}" y="{height - 8}" text-anchor="middle" '
               f'fill="#222">{escape(xlabel)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
